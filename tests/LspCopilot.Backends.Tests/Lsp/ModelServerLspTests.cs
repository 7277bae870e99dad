using System.Text.Json;
using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;
using StreamJsonRpc;

namespace LspCopilot.Backends.Tests.Lsp;

/// <summary>The backends behind the real LSP server: streaming into $/progress, faults as empty lists, typing storms.</summary>
public sealed class ModelServerLspTests
{
    [Theory]
    [MemberData(nameof(Backends.FaultTests.Kinds), MemberType = typeof(Backends.FaultTests))]
    public async Task InlineCompletion_StandIn_ProgressArrivesBeforeTheAnswer(string kind)
    {
        await using var standIn = await AnyStandIn.StartAsync(kind);
        standIn.Script.Pieces = ["Console", ".WriteLine", "(name);"];
        standIn.Script.Delay = TimeSpan.FromMilliseconds(30);
        await using var server = LspServers.Start(kind, standIn.Url);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(LspServers.Uri, LspServers.Source);

        var result = await server.Client.InlineAsync(LspServers.Uri, 8, 8, partialResultToken: "p1").NoHang();

        var final = result.GetProperty("items")[0].GetProperty("insertText").GetString()!;
        var partial = server.Client.NotificationsOf(LspMethods.Progress).Where(p => p.GetProperty("token").GetString() == "p1").ToList();
        Assert.Equal("Console.WriteLine(name);", final);
        Assert.NotEmpty(partial);
        Assert.StartsWith(partial[0].GetProperty("value").GetProperty("items")[0].GetProperty("insertText").GetString()!, final, StringComparison.Ordinal);
        Assert.Single(standIn.Completions);
    }

    [Fact]
    public async Task InlineCompletion_StreamCutInTheMiddle_EmptyListAndOneMessage()
    {
        await using var standIn = await LlamaServerStandIn.StartAsync();
        standIn.Script.Fault = StreamFault.CutInTheMiddle;
        await using var server = LspServers.Start(BackendOptions.LlamaServer, standIn.Url);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(LspServers.Uri, LspServers.Source);

        var first = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();
        var second = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();

        Assert.Empty(first.GetProperty("items").EnumerateArray());
        Assert.Empty(second.GetProperty("items").EnumerateArray());
        var message = Assert.Single(server.Client.NotificationsOf(LspMethods.ShowMessage));
        Assert.Contains("broke in the middle of an answer", message.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InlineCompletion_ModelLoadingOnServer_EmptyListSaysSoThenSuggestsOnceLoaded()
    {
        await using var standIn = await LlamaServerStandIn.StartAsync();
        standIn.Loading = true;
        await using var server = LspServers.Start(BackendOptions.LlamaServer, standIn.Url);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(LspServers.Uri, LspServers.Source);

        var loading = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();
        standIn.Loading = false;
        var loaded = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();

        Assert.Empty(loading.GetProperty("items").EnumerateArray());
        Assert.Contains("Model loading on server", Assert.Single(server.Client.NotificationsOf(LspMethods.ShowMessage)).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(standIn.Script.Text, loaded.GetProperty("items")[0].GetProperty("insertText").GetString());
    }

    [Fact]
    public async Task InlineCompletion_DeadServer_EveryKeystrokeAnsweredEmpty()
    {
        await using var standIn = await LlamaServerStandIn.StartAsync();
        await using var server = LspServers.Start(BackendOptions.LlamaServer, standIn.Url);
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync(LspServers.Uri, LspServers.Source);
        standIn.Server.ForcedStatus = 502;
        var first = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();
        var reached = standIn.Server.Requests.Count;

        for (var i = 0; i < 10; i++)
        {
            var result = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();
            Assert.Empty(result.GetProperty("items").EnumerateArray());
        }

        Assert.Empty(first.GetProperty("items").EnumerateArray());
        Assert.Equal(reached, standIn.Server.Requests.Count);
        Assert.Contains("502", Assert.Single(server.Client.NotificationsOf(LspMethods.ShowMessage)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.FaultTests.Kinds), MemberType = typeof(Backends.FaultTests))]
    public async Task InlineCompletion_TypingStorm_AtMostOneGenerationOpenAtTheServer(string kind)
    {
        const string story = "Once upon a time";
        await using var standIn = await AnyStandIn.StartAsync(kind);
        standIn.Script.Pieces = [.. Enumerable.Repeat(" and", 20)];
        standIn.Script.Delay = TimeSpan.FromMilliseconds(50);
        await using var server = LspServers.Start(kind, standIn.Url, generation: new GenerationOptions { MaxTokens = 400 });
        await server.Client.InitializeAsync();
        await server.Client.OpenAsync("file:///story.txt", story, languageId: "plaintext");

        var requests = new List<Task<JsonElement>>();
        for (var typed = 1; typed <= 20; typed++)
        {
            await server.Client.NotifyAsync(LspMethods.DidChange, new
            {
                textDocument = new { uri = "file:///story.txt", version = typed + 1 },
                contentChanges = new[] { new { range = new { start = new { line = 0, character = story.Length + typed - 1 }, end = new { line = 0, character = story.Length + typed - 1 } }, text = "." } },
            });
            requests.Add(server.Client.InlineAsync("file:///story.txt", 0, story.Length + typed));
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        var answered = 0;
        foreach (var request in requests)
        {
            try
            {
                await request.NoHang();
                answered++;
            }
            catch (RemoteInvocationException ex) when (ex.ErrorCode is LspErrorCodes.RequestCancelled or LspErrorCodes.ContentModified)
            {
                answered++;
            }
        }

        var last = await requests[^1];
        Assert.Equal(20, answered);
        Assert.Equal(string.Concat(standIn.Script.Pieces), last.GetProperty("items")[0].GetProperty("insertText").GetString());
        Assert.True(standIn.Server.To(standIn.GeneratePath).Count() > 1, "The storm should have reached the server more than once.");
        Assert.Equal(1, standIn.Server.CompletedOf(standIn.GeneratePath));
        Assert.True(standIn.Server.MaxOpenOf(standIn.GeneratePath) == 1, $"in flight at most {standIn.Server.MaxInFlightOf(standIn.GeneratePath)}:\n{string.Join("\n", standIn.Server.Timeline)}");
    }

    [Fact]
    public async Task Initialize_BackendInInitializationOptions_CompletionsComeFromThatServer()
    {
        await using var standIn = await OllamaStandIn.StartAsync();
        await using var server = LspServers.StartDefault();
        await server.Client.InitializeAsync(new { backend = "ollama", endpoint = standIn.Url, remoteModel = standIn.Model });
        await server.Client.OpenAsync(LspServers.Uri, LspServers.Source);

        var result = await server.Client.InlineAsync(LspServers.Uri, 8, 8).NoHang();

        Assert.Equal(standIn.Script.Text, result.GetProperty("items")[0].GetProperty("insertText").GetString());
        Assert.Single(standIn.Generations);
    }
}
