using LspCopilot.Completion;
using LspCopilot.Server.Rpc;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Tests.Sessions;

/// <summary>Side requests (code actions, explanations) run beside ghost text: they supersede nothing and nothing supersedes them.</summary>
public sealed class RequestQueueTests
{
    private const string Uri = "file:///work/A.cs";
    private static readonly DocumentSnapshot s_document = new(Uri, "csharp", 1, SourceText.From("class A { }"));

    [Fact]
    public void SideRequest_LeavesTheCompletionInFlightRunning_AndANewerCompletionLeavesItRunning()
    {
        var queue = new RequestQueue();
        using var completion = Begin(queue);

        using var side = BeginSide(queue, cancelOnEdit: true);
        using var newer = Begin(queue);

        Assert.False(side.Token.IsCancellationRequested);
        Assert.True(completion.Token.IsCancellationRequested, "The newer completion supersedes the older one, as before.");
        Assert.False(newer.Token.IsCancellationRequested);
    }

    [Fact]
    public void SideRequest_EditOfItsDocument_CancelsItAsAnEdit_WhenAskedTo()
    {
        var queue = new RequestQueue();
        using var resolve = BeginSide(queue, cancelOnEdit: true);
        using var explain = BeginSide(queue, cancelOnEdit: false);

        queue.ApplyChange(Uri, () => { });

        Assert.True(resolve.Token.IsCancellationRequested);
        Assert.True(resolve.CancelledByEdit);
        Assert.False(explain.Token.IsCancellationRequested);
    }

    [Fact]
    public void SideRequest_EditOfAnotherDocument_LeavesItRunning()
    {
        var queue = new RequestQueue();
        using var resolve = BeginSide(queue, cancelOnEdit: true);

        queue.ApplyChange("file:///work/B.cs", () => { });

        Assert.False(resolve.Token.IsCancellationRequested);
    }

    [Fact]
    public void CancelAll_CancelsSideRequestsToo_AndAnEndedOneIsForgotten()
    {
        var queue = new RequestQueue();
        var ended = BeginSide(queue, cancelOnEdit: true);
        ended.Dispose();
        using var running = BeginSide(queue, cancelOnEdit: false);

        queue.CancelAll();
        queue.ApplyChange(Uri, () => { });

        Assert.True(running.Token.IsCancellationRequested);
        Assert.False(running.CancelledByEdit);
    }

    [Fact]
    public void BeginSideRequest_DocumentNotOpen_Null()
    {
        var queue = new RequestQueue();

        Assert.Null(queue.BeginSideRequest(Uri, () => null, Create, cancelOnEdit: true, CancellationToken.None));
    }

    private static RequestContext Begin(RequestQueue queue) => queue.BeginRequest(Uri, () => s_document, Create, CancellationToken.None)!;

    private static RequestContext BeginSide(RequestQueue queue, bool cancelOnEdit) => queue.BeginSideRequest(Uri, () => s_document, Create, cancelOnEdit, CancellationToken.None)!;

    // The queue never looks at the session; these tests have none.
    private static RequestContext Create(DocumentSnapshot document, RequestQueue.InFlight inFlight) => new(document, ClientSettings.None, inFlight, null!);
}
