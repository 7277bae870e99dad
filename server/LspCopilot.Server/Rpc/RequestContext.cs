using LspCopilot.Completion;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// What a document request's handler works with, built by the session's <see cref="RequestQueue"/>
/// after every notification that arrived before the request was applied: the document as of then,
/// the client's settings, one cancellation token (the client's $/cancelRequest, a newer request for
/// the same document, or an edit of the document), and where to report. Dispose it when the request ends.
/// </summary>
public sealed class RequestContext : IDisposable
{
    private readonly RequestQueue.InFlight _inFlight;

    internal RequestContext(DocumentSnapshot document, ClientSettings client, RequestQueue.InFlight inFlight, LspSession session)
    {
        Document = document;
        Client = client;
        _inFlight = inFlight;
        Session = session;
    }

    public DocumentSnapshot Document { get; }

    public ClientSettings Client { get; }

    public CancellationToken Token => _inFlight.Token;

    /// <summary>True when an edit of the document cancelled the request (answer ContentModified, not Cancelled).</summary>
    public bool CancelledByEdit => _inFlight.ByEdit;

    /// <summary>Notifications to the client and the session's one-time messages.</summary>
    public LspSession Session { get; }

    public ServerLog Log => Session.Log;

    public void Dispose() => _inFlight.Dispose();
}
