using System.Text.Json;
using LspCopilot.Completion.CodeActions;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>
/// Code actions end to end over JSON-RPC with the real engine on the shared tiny models, which cannot chat: the
/// fill-in-the-middle path. The models write nonsense, so these check the plumbing — a list, then an edit or a
/// clear error, never an internal one; an explanation that streams; cancellation — not the prose.
/// </summary>
public sealed class CodeActionModelTests
{
    private const string Calculator = """
        namespace App;

        public class Calculator
        {
            public int Sum(int[] values)
            {
                [|var total = 0;
                foreach (var value in values)
                {
                    total += value;
                }

                return total;|]
            }
        }
        """;

    /// <summary>One proposal of at most 64 tokens and short explanations: these tests check the plumbing, and busy CI machines are slow.</summary>
    private static readonly object Bounded = new { maxTokens = 64, codeActions = new { candidates = 0, explainMaxTokens = 64 } };

    [Fact]
    public async Task ListThenResolve_RealEngineInProcess_AnEditForTheVersionOrAClearError()
    {
        await using var session = await CodeActionSession.StartAsync(engine: null, Bounded, modelPath: TestModels.Require(TestModels.Fim));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator, version: 2);

        var actions = await session.ActionsAsync(uri, range);
        var simplify = actions.First(a => a.GetProperty("data").GetProperty("actionId").GetString() == CodeActionCatalog.Simplify);
        var resolved = await session.ResolveAsync(simplify);

        AssertEditOrClearError(resolved, uri, 2);
    }

    [Fact]
    public async Task ListThenResolve_RealEngineThroughTheWorker_AnEditForTheVersionOrAClearError()
    {
        var engine = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        await using var session = await CodeActionSession.StartAsync(engine, Bounded);
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator, version: 5);

        var resolved = await session.ResolveAsync(await session.ActionAsync(uri, range, CodeActionCatalog.GuardClauses));

        AssertEditOrClearError(resolved, uri, 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Explain_SelectionLongerThanTheContext_RequestFailedSayingWhatToDo_ServerStaysUp(bool throughWorker)
    {
        var options = new Completion.EngineOptions { ContextSize = 256 };
        var server = throughWorker
            ? InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), options, loader: Composition.ChildWorker)
            : InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), options);
        await using var session = await CodeActionSession.StartAsync(server);
        var body = string.Concat(Enumerable.Range(0, 40).Select(i => $"        var value{i} = values.Length * {i};\n"));
        var (uri, range) = await session.OpenAsync("Long.cs", $"namespace App;\n\npublic class Long\n{{\n    public int Sum(int[] values)\n    {{\n[|{body}        return 0;|]\n    }}\n}}\n");

        var response = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range });
        var actions = await session.ActionsAsync(uri, range);

        var error = response.GetProperty("error");
        Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
        Assert.Contains("raise --context-size", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(actions);
    }

    [Fact]
    public async Task Explain_RealEngine_StreamsProgressThenTheFullText()
    {
        await using var session = await CodeActionSession.StartAsync(engine: null, modelPath: TestModels.Require(TestModels.Fim));
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var response = await session.Raw.RequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range, partialResultToken = "m1" });

        Assert.False(response.TryGetProperty("error", out var error), "explain failed: " + error);
        var markdown = response.GetProperty("result").GetProperty("markdown").GetString()!;
        Assert.NotEmpty(markdown.Trim());
        var partials = session.Raw.Received
            .Where(m => RawLspClient.IsNotification(m, LspMethods.Progress) && m.GetProperty("params").GetProperty("token").GetString() == "m1")
            .Select(m => m.GetProperty("params").GetProperty("value").GetProperty("markdown").GetString()!)
            .ToList();
        Assert.NotEmpty(partials);
        Assert.All(partials, p => Assert.StartsWith(p.TrimEnd(), markdown, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Explain_RealEngine_CancelMidStream_AnswersRequestCancelled()
    {
        await using var session = await CodeActionSession.StartAsync(engine: null, modelPath: TestModels.Require(TestModels.Fim), initializationOptions: new { maxTokens = 100_000 });
        var (uri, range) = await session.OpenAsync("Calculator.cs", Calculator);

        var (id, response) = await session.Raw.StartRequestAsync(LspMethods.Explain, new { textDocument = new { uri }, range, partialResultToken = "m2" });
        await session.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress) && m.GetProperty("params").GetProperty("token").GetString() == "m2", timeoutMs: 60_000);
        await session.Raw.CancelAsync(id);
        var answer = await response.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(LspErrorCodes.RequestCancelled, answer.GetProperty("error").GetProperty("code").GetInt32());
    }

    private static void AssertEditOrClearError(JsonElement resolved, string uri, int version)
    {
        if (resolved.TryGetProperty("error", out var error))
        {
            Assert.Equal(LspErrorCodes.RequestFailed, error.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            return;
        }

        var change = resolved.GetProperty("result").GetProperty("edit").GetProperty("documentChanges")[0];
        Assert.Equal(uri, change.GetProperty("textDocument").GetProperty("uri").GetString());
        Assert.Equal(version, change.GetProperty("textDocument").GetProperty("version").GetInt32());
        Assert.NotEmpty(change.GetProperty("edits").EnumerateArray());
    }
}
