using System.Collections.Concurrent;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>
/// What <c>bench --suite keystroke</c> itemises: a traced inline request over JSON-RPC marks every stage in order,
/// in process and through a worker process (whose stages share the machine's monotonic clock).
/// </summary>
public sealed class LatencyTraceTests
{
    private const string Uri = "file:///work/story.txt";

    private static readonly string s_story = string.Join('\n', Enumerable.Range(0, 8).Select(i => $"Once upon a time, a little dog named Max number {i} ran in the park.")) + "\nThe dog";

    public static TheoryData<bool> Topologies => new() { false, true };

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task TracedInlineRequest_MarksEveryStageInOrder_WithTheTokensDecoded(bool worker)
    {
        var traces = new ConcurrentDictionary<string, LatencyTrace>(StringComparer.Ordinal);
        LatencyTrace.Sink = (key, trace) => traces[key] = trace;
        try
        {
            await using var server = InMemoryServer.StartRaw(
                TestModels.Require(TestModels.Fim), generation: new GenerationOptions { MaxTokens = 8 }, loader: worker ? Composition.ChildWorker : null);
            await server.Raw.InitializeAsync();
            await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "plaintext", version = 1, text = s_story } });
            var at = new { line = 8, character = 7 };
            await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = at, partialResultToken = "warm-up" });
            await server.Raw.NotifyAsync(LspMethods.DidChange, new
            {
                textDocument = new { uri = Uri, version = 2 },
                contentChanges = new object[] { new { range = new { start = at, end = at }, text = " r" } },
            });

            await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 8, character = 9 }, partialResultToken = "typed" });

            var trace = Assert.Contains("typed", (IDictionary<string, LatencyTrace>)traces);
            string[] order = worker
                ? [LatencyTrace.Stages.Received, LatencyTrace.Stages.Snapshot, LatencyTrace.Stages.Planned, LatencyTrace.Stages.WorkerReceived, LatencyTrace.Stages.Scheduled, LatencyTrace.Stages.EngineThread,
                   LatencyTrace.Stages.PromptBuilt, LatencyTrace.Stages.ReusePlanned, LatencyTrace.Stages.Prefilled, LatencyTrace.Stages.FirstToken, LatencyTrace.Stages.FirstText,
                   LatencyTrace.Stages.FirstTextFromWorker, LatencyTrace.Stages.FirstClean, LatencyTrace.Stages.PartialSent]
                : [LatencyTrace.Stages.Received, LatencyTrace.Stages.Snapshot, LatencyTrace.Stages.Planned, LatencyTrace.Stages.Scheduled, LatencyTrace.Stages.EngineThread,
                   LatencyTrace.Stages.PromptBuilt, LatencyTrace.Stages.ReusePlanned, LatencyTrace.Stages.Prefilled, LatencyTrace.Stages.FirstToken, LatencyTrace.Stages.FirstText,
                   LatencyTrace.Stages.FirstClean, LatencyTrace.Stages.PartialSent];
            for (var i = 1; i < order.Length; i++)
            {
                Assert.True(trace.Between(order[i - 1], order[i]) is >= 0, $"{order[i - 1]} → {order[i]}: {trace.Between(order[i - 1], order[i])?.ToString() ?? "missing"}");
            }

            Assert.InRange(trace.CountValues[LatencyTrace.Counts.Reprefill], 1, trace.CountValues[LatencyTrace.Counts.Prompt] - 1);
            Assert.InRange(trace.CountValues[LatencyTrace.Counts.MinimumChanged], 1, trace.CountValues[LatencyTrace.Counts.Reprefill]);
        }
        finally
        {
            LatencyTrace.Sink = null;
        }
    }

    [Fact]
    public void NoSink_NothingIsTraced()
    {
        Assert.Null(LatencyTrace.Sink);
        Assert.Null(LatencyTrace.Begin("a-token", 0));
    }
}
