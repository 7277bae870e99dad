using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>Cancellation as it looks on the wire, read by a byte-level client.</summary>
public sealed class CancellationTests
{
    private const string Uri = "file:///work/Story.cs";
    private const string Source = "class Story\n{\n    void Tell()\n    {\n        \n    }\n}\n";

    // A multi-line request on the blank line with a huge budget: it generates until stopped.
    private static readonly GenerationOptions s_endless = new() { MaxTokens = 100_000 };

    [Fact]
    public async Task CancelRequestMidGeneration_AnswersMinus32800()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), generation: s_endless);
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        var (id, response) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(4, 8, "p1"));
        await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        await server.Raw.CancelAsync(id);
        var answer = await response.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(LspErrorCodes.RequestCancelled, answer.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task CancelWithStringId_AnswersMinus32800()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), generation: s_endless);
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        var (id, response) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(4, 8, "p2"), id: "req-7");
        await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        await server.Raw.CancelAsync(id);
        var answer = await response.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("req-7", answer.GetProperty("id").GetString());
        Assert.Equal(LspErrorCodes.RequestCancelled, answer.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task NewerRequestForSameDocument_OlderAnswersMinus32800_NewerCompletes()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), generation: s_endless);
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        var (_, older) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(4, 8, "old"));
        await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        var (_, newer) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(2, 15, null));

        var olderAnswer = await older.WaitAsync(TimeSpan.FromSeconds(20));
        var newerAnswer = await newer.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(LspErrorCodes.RequestCancelled, olderAnswer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.True(newerAnswer.TryGetProperty("result", out var result), newerAnswer.ToString());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("items").ValueKind);
    }

    [Fact]
    public async Task DidChangeOfTheDocument_CancelsItsRequestInFlight_AnswersContentModified()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), generation: s_endless);
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        var (_, running) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(4, 8, "edit"));
        await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        await server.Raw.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = Uri, version = 2 },
            contentChanges = new[] { new { range = new { start = new { line = 4, character = 8 }, end = new { line = 4, character = 8 } }, text = "x" } },
        });
        var answer = await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(LspErrorCodes.ContentModified, answer.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DidChangeOfAnotherDocument_LeavesTheRequestRunning()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim), generation: new GenerationOptions { MaxTokens = 200 });
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = "file:///work/Other.cs", languageId = "csharp", version = 1, text = Source } });

        var (_, running) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(4, 8, "other"));
        await server.Raw.WaitForAsync(m => RawLspClient.IsNotification(m, LspMethods.Progress));
        await server.Raw.NotifyAsync(LspMethods.DidChange, new
        {
            textDocument = new { uri = "file:///work/Other.cs", version = 2 },
            contentChanges = new[] { new { text = "class Other { }\n" } },
        });
        var answer = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(answer.TryGetProperty("result", out _), answer.ToString());
    }

    [Fact]
    public async Task CancelUnknownOrFinishedRequest_IsHarmless_EveryRequestAnsweredOnce()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim));
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        await server.Raw.CancelAsync(12345);
        var (id, response) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(2, 15, null));
        var answer = await response.WaitAsync(TimeSpan.FromSeconds(20));
        await server.Raw.CancelAsync(id);
        var shutdown = await server.Raw.RequestAsync(LspMethods.Shutdown, null);

        Assert.True(answer.TryGetProperty("result", out _), answer.ToString());
        Assert.True(shutdown.TryGetProperty("result", out _), shutdown.ToString());
        var answersForId = server.Raw.Received.Count(m => m.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == (int)id && !m.TryGetProperty("method", out _));
        Assert.Equal(1, answersForId);
    }

    [Fact]
    public async Task Progress_ArrivesOnTheWireBeforeTheResponse()
    {
        await using var server = InMemoryServer.StartRaw(TestModels.Require(TestModels.Fim));
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = Source } });

        var (id, response) = await server.Raw.StartRequestAsync(LspMethods.InlineCompletion, InlineParams(2, 15, "order"));
        await response.WaitAsync(TimeSpan.FromSeconds(20));

        var messages = server.Raw.Received.ToList();
        var progressIndex = messages.FindIndex(m => RawLspClient.IsNotification(m, LspMethods.Progress) && m.GetProperty("params").GetProperty("token").GetString() == "order");
        var responseIndex = messages.FindIndex(m => m.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == (int)id && !m.TryGetProperty("method", out _));
        Assert.InRange(progressIndex, 0, responseIndex - 1);
    }

    private static object InlineParams(int line, int character, string? partialResultToken) => new
    {
        textDocument = new { uri = Uri },
        position = new { line, character },
        context = new { triggerKind = 1 },
        partialResultToken,
    };
}
