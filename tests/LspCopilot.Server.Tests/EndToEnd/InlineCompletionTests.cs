using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>Inline completion end to end over JSON-RPC, with the model in a worker process (the default) and in process.</summary>
public abstract class InlineCompletionTests
{
    /// <summary>How the server under test runs the model.</summary>
    protected abstract Func<EngineOptions, ServerLog, ICompletionEngine> Loader { get; }

    /// <summary>Checks that the engine stack answered one request from its result cache, where its counters can be read.</summary>
    protected abstract void AssertOneCacheHit(ICompletionEngine engine);

    private const string Uri = "file:///work/Program.cs";

    private const string Source = """
        using System;

        public static class Program
        {
            public static void Main()
            {
                var name = "world";
                Console.WriteLine("Hello, " + name);
                
            }
        }
        """;

    [Fact]
    public async Task InlineCompletion_FimModel_ReturnsTextAtCursor()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), loader: Loader);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);

        var result = await server.Client.InlineAsync(Uri, 6, 27);

        var item = Assert.Single(result.GetProperty("items").EnumerateArray());
        Assert.False(string.IsNullOrWhiteSpace(item.GetProperty("insertText").GetString()));
        var start = item.GetProperty("range").GetProperty("start");
        Assert.Equal(6, start.GetProperty("line").GetInt32());
        Assert.Equal(27, start.GetProperty("character").GetInt32());
    }

    [Fact]
    public async Task InlineCompletion_Greedy_IsDeterministicAcrossServers()
    {
        var model = TestModels.Require(TestModels.Fim);
        var texts = new List<string?>();
        for (var i = 0; i < 2; i++)
        {
            await using var server = InMemoryServer.Start(model, loader: Loader);
            await server.Client.InitializeAsync();
            await server.Client.OpenAsync(Uri, Source);
            var result = await server.Client.InlineAsync(Uri, 6, 27);
            texts.Add(result.GetProperty("items")[0].GetProperty("insertText").GetString());
        }

        Assert.Equal(texts[0], texts[1]);
    }

    [Fact]
    public async Task InlineCompletion_SameRequestTwice_SameText()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), loader: Loader);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);

        var first = await server.Client.InlineAsync(Uri, 6, 27);
        var second = await server.Client.InlineAsync(Uri, 6, 27);

        Assert.Equal(first.GetProperty("items")[0].GetProperty("insertText").GetString(), second.GetProperty("items")[0].GetProperty("insertText").GetString());
    }

    [Fact]
    public async Task InlineCompletion_QuantizedModel_StopsOnItsOwnEndOfGeneration()
    {
        var story = "Once upon a time, there was a little girl named Lily. She loved to play outside.\n";
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Quantized), generation: new GenerationOptions { MaxTokens = 400 }, loader: Loader);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync("file:///story.txt", story + "\n", languageId: "plaintext");

        var result = await server.Client.InlineAsync("file:///story.txt", 1, 0);

        var text = result.GetProperty("items")[0].GetProperty("insertText").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(text));
    }

    [Fact]
    public async Task InlineCompletion_WithPartialResultToken_ProgressArrivesBeforeResponse()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), loader: Loader);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);

        var result = await server.Client.InlineAsync(Uri, 6, 27, partialResultToken: "partial-1");
        var progress = server.Client.NotificationsOf(LspMethods.Progress)
            .Where(p => p.GetProperty("token").GetString() == "partial-1")
            .ToList();

        Assert.NotEmpty(progress);
        var final = result.GetProperty("items")[0].GetProperty("insertText").GetString()!;
        var firstPartial = progress[0].GetProperty("value").GetProperty("items")[0].GetProperty("insertText").GetString()!;
        Assert.StartsWith(firstPartial.TrimEnd(), final, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypingThroughTheSuggestion_AnswersTheRemainder()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), loader: Loader);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, Source);
        var first = (await server.Client.InlineAsync(Uri, 6, 27)).GetProperty("items")[0].GetProperty("insertText").GetString()!;
        Assert.True(first.Length > 2, first);

        await server.Client.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = 2 },
            contentChanges = new object[] { new { range = new { start = new { line = 6, character = 27 }, end = new { line = 6, character = 27 } }, text = first[..2] } },
        });
        var next = await server.Client.InlineAsync(Uri, 6, 29);

        Assert.Equal(first[2..], next.GetProperty("items")[0].GetProperty("insertText").GetString());
        AssertOneCacheHit((await server.Model.EngineAsync)!);
    }

    [Fact]
    public async Task DidChange_ThenInline_CompletesOnTheEditedText()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), loader: Loader);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(Uri, "class A\n{\n}\n");
        await server.Client.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = 2 },
            contentChanges = new object[] { new { range = new { start = new { line = 1, character = 1 }, end = new { line = 1, character = 1 } }, text = "\n    int x = " } },
        });

        var result = await server.Client.InlineAsync(Uri, 2, 12);

        var item = Assert.Single(result.GetProperty("items").EnumerateArray());
        Assert.Equal(2, item.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32());
        Assert.Equal(12, item.GetProperty("range").GetProperty("start").GetProperty("character").GetInt32());
    }

    [Fact]
    public async Task Completion_FallbackForOlderEditors_ReturnsOneItemWithTheSuggestion()
    {
        await using var server = InMemoryServer.Start(TestModels.Require(TestModels.Fim), loader: Loader);
        await server.Client.InitializeAsync(inline: false);
        await server.Client.OpenAsync(Uri, Source);

        var result = await server.Client.RequestAsync(LspMethods.Completion, new { textDocument = new { uri = Uri }, position = new { line = 6, character = 27 } });

        var item = Assert.Single(result.GetProperty("items").EnumerateArray());
        Assert.False(string.IsNullOrWhiteSpace(item.GetProperty("textEdit").GetProperty("newText").GetString()));
        Assert.Equal(JsonValueKind.String, item.GetProperty("label").ValueKind);
    }
}

public sealed class InlineCompletionThroughWorkerTests : InlineCompletionTests
{
    protected override Func<EngineOptions, ServerLog, ICompletionEngine> Loader => Composition.ChildWorker;

    /// <summary>The cache and its counters live in the worker process; the answered remainder is the evidence here.</summary>
    protected override void AssertOneCacheHit(ICompletionEngine engine) => Assert.IsType<LspCopilot.Server.Worker.SupervisedEngine>(engine);
}

public sealed class InlineCompletionInProcessTests : InlineCompletionTests
{
    protected override Func<EngineOptions, ServerLog, ICompletionEngine> Loader => Composition.InProcess;

    protected override void AssertOneCacheHit(ICompletionEngine engine) =>
        Assert.Equal(1, Assert.IsType<EngineScheduler>(engine).Stats.CacheHits);
}
