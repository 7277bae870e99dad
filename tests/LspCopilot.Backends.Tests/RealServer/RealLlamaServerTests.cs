using System.Net.Http.Json;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Backends.Tests.RealServer;

/// <summary>The llama-server and openai backends against the real llama-server holding a real (tiny) FIM model.</summary>
public sealed class RealLlamaServerTests(LlamaServerProcess server) : IClassFixture<LlamaServerProcess>
{
    private static readonly GenerationOptions s_short = new() { MaxTokens = 24 };

    private static CompletionRequest Story(CompletionMode mode = CompletionMode.MultiLine) =>
        new("Once upon a time, there was a little girl named Lily. She loved to play ", " outside in the park.\n", mode) { Generation = s_short };

    [Fact]
    public async Task LlamaServerBackend_RealServer_InfillStreamsText()
    {
        server.Require();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, stallSeconds: 30);
        var seen = new List<string>();

        var result = await engine.CompleteAsync(Story(), seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.False(string.IsNullOrWhiteSpace(result.Text), server.Log());
        Assert.NotEmpty(seen);
        Assert.Equal(result.Text, seen[^1]);
        Assert.True(result.Stats.PromptTokens > 0);
        Assert.Equal(LlamaServerProcess.Context, engine.ContextSize);
        Assert.Equal(server.ModelFile, engine.ModelName);
    }

    [Fact]
    public async Task LlamaServerBackend_RealServer_GreedyIsDeterministic()
    {
        server.Require();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, stallSeconds: 30);

        var first = await engine.CompleteAsync(Story(), null, TestContext.Current.CancellationToken).NoHang();
        var second = await engine.CompleteAsync(Story(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task OpenAiBackend_RealLlamaServer_V1CompletionsStreamsText()
    {
        server.Require();
        using var engine = TestBackends.Create(BackendOptions.OpenAi, server.Url + "/v1", stallSeconds: 30, backend: b => b with { FimTemplate = "starcoder" });
        var seen = new List<string>();

        var result = await engine.CompleteAsync(Story(), seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.False(string.IsNullOrWhiteSpace(result.Text), server.Log());
        Assert.NotEmpty(seen);
        Assert.True(result.Stats.PromptTokens > 0);
        Assert.Equal(LlamaServerProcess.Context, engine.ContextSize);
    }

    [Fact]
    public async Task CountTokens_RealServer_OneCallCountsTheWholeBatch()
    {
        server.Require();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, stallSeconds: 30);
        string[] texts = ["Once upon a time,", " there was a little girl", " named Lily."];
        await engine.CompleteAsync(Story(), null, TestContext.Current.CancellationToken).NoHang();

        var counts = await engine.CountTokensAsync(texts, TestContext.Current.CancellationToken).NoHang();

        using var http = new HttpClient();
        using var whole = await http.PostAsJsonAsync(new Uri(server.Url + "/tokenize"), new { content = string.Concat(texts) }, TestContext.Current.CancellationToken);
        var expected = (await whole.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("tokens").GetArrayLength();
        Assert.Equal(expected, counts.Sum());
        Assert.All(counts, c => Assert.True(c > 0));
    }

    [Theory]
    [InlineData(BackendOptions.LlamaServer)]
    [InlineData(BackendOptions.OpenAi)]
    public async Task Complete_DocumentFarLongerThanTheContext_PromptFitsAndCompletes(string kind)
    {
        server.Require();
        using var engine = TestBackends.Create(kind, server.Url, stallSeconds: 30, backend: b => b with { FimTemplate = "starcoder" });
        var story = string.Concat(Enumerable.Repeat("Once upon a time, there was a little girl named Lily. She loved to play outside.\n", 400));
        var request = new CompletionRequest(story, story, CompletionMode.MultiLine) { Context = story, Generation = new GenerationOptions { MaxTokens = 64 } };

        var result = await engine.CompleteAsync(request, null, TestContext.Current.CancellationToken).NoHang();

        Assert.True(result.Stats.PromptTokens is > 0 and <= LlamaServerProcess.Context, $"{result.Stats.PromptTokens} prompt tokens");
    }

    [Fact]
    public async Task InlineCompletion_RealLlamaServerThroughLsp_ProgressThenAnswer()
    {
        server.Require();
        await using var lsp = Lsp.LspServers.Start(BackendOptions.LlamaServer, server.Url, stallSeconds: 30, generation: s_short);
        await lsp.Client.InitializeAsync();
        await lsp.Client.OpenAsync("file:///story.txt", "Once upon a time, there was a little girl named Lily. She loved to play outside.\n\n", languageId: "plaintext");

        var result = await lsp.Client.InlineAsync("file:///story.txt", 1, 0, partialResultToken: "real-1").NoHang();

        var final = result.GetProperty("items")[0].GetProperty("insertText").GetString()!;
        var partial = lsp.Client.NotificationsOf(LspMethods.Progress).Where(p => p.GetProperty("token").GetString() == "real-1").ToList();
        Assert.False(string.IsNullOrWhiteSpace(final));
        Assert.NotEmpty(partial);
        Assert.StartsWith(partial[0].GetProperty("value").GetProperty("items")[0].GetProperty("insertText").GetString()!.TrimEnd(), final, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_RealLlamaServer_StreamsThroughChatCompletions()
    {
        server.Require();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, stallSeconds: 30);
        var seen = new List<string>();
        var request = new ChatRequest([new ChatMessage(ChatMessage.User, "Tell me a story about Lily.")]) { Generation = s_short };

        var result = await engine.ChatAsync(request, seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.True(result.Stats.GeneratedTokens > 0);
        Assert.Equal(result.Text, seen.Count == 0 ? string.Empty : seen[^1]);
    }

    [Fact]
    public async Task LlamaServerBackend_RealServer_WarmedContextIsReusedByTheCompletion()
    {
        // llama-server keeps input_extra only when the slot's context exceeds the batch size plus twice n_predict: the
        // fixture starts it with -b 128 (a 512-token slot and the default 2,048-token batch would drop the context).
        server.Require();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, stallSeconds: 30);
        var request = Story() with { Context = "Lily has a red ball and a big dog named Max. Max likes to run in the park with Lily.\n" };

        var result = await engine.CompleteAsync(request, null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(1, ((LspCopilot.Backends.Engines.LlamaServerEngine)engine).WarmUps);
        Assert.True(result.Stats.ReusedTokens >= 20, $"{result.Stats.ReusedTokens} of {result.Stats.PromptTokens} prompt tokens came from the warmed cache.\n{server.Log()}");
    }
}
