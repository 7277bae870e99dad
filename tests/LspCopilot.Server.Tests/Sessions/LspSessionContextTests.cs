using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using LspCopilot.TestSupport;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace LspCopilot.Server.Tests.Sessions;

/// <summary>The provider wired into a real LSP session over JSON-RPC, as the server will create it.</summary>
public sealed class LspSessionContextTests
{
    [Fact]
    public async Task InlineCompletion_SessionWithRoslynProvider_EngineGetsWorkspaceContext()
    {
        using var engine = new FakeEngine("QuantityOf(product.Id);");

        var context = await ContextTheEngineGetsAsync(engine, "int QuantityOf(string productId)");

        Assert.Contains("int QuantityOf(string productId)", context, StringComparison.Ordinal);
        Assert.IsType<SyntaxStopper>(engine.Requests[^1].Stopper);
    }

    [Fact]
    public async Task InlineCompletion_EngineWithASmallContext_ContextFitsWhatItsPromptKeepsInWholeLines()
    {
        using var engine = new FakeEngine("QuantityOf(product.Id);") { ContextSize = 300 };
        var cap = PromptBudget.For(new GenerationOptions(), engine.ContextSize, engine.Fim.HasFim).Context;

        var context = await ContextTheEngineGetsAsync(engine, "QuantityOf");

        Assert.True(TokenEstimate.Count(context!) <= cap, $"{TokenEstimate.Count(context!)} context tokens where the prompt keeps {cap}");
        Assert.EndsWith("\n", context, StringComparison.Ordinal);
    }

    /// <summary>The context the engine gets at <c>warehouse.</c> in a new file of the Inventory workspace, once it holds <paramref name="expected"/> (the folder may still be loading at first).</summary>
    private static async Task<string?> ContextTheEngineGetsAsync(FakeEngine engine, string expected)
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var model = new ModelHost(new EngineOptions(), ServerLog.Silent, (_, _) => engine);
        var server = new LspServer(model, ServerLog.Silent, new GenerationOptions(), session => Composition.ContextsFor(session));
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        var serving = server.RunAsync(serverStream, serverStream, TestContext.Current.CancellationToken);

        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        using var client = new JsonRpc(new HeaderDelimitedMessageHandler(clientStream, clientStream, formatter));
        client.StartListening();

        var uri = workspace.UriOf("Services/Audit.cs");
        const string Text = "using Inventory.Models;\n\nnamespace Inventory.Services;\n\npublic sealed class Audit\n{\n    public int Count(Warehouse warehouse, Product product)\n    {\n        return warehouse.\n    }\n}\n";
        await client.InvokeWithParameterObjectAsync<object>(LspMethods.Initialize, new
        {
            processId = (int?)null,
            rootUri = new Uri(workspace.Folder).AbsoluteUri,
            workspaceFolders = new[] { new { uri = new Uri(workspace.Folder).AbsoluteUri, name = "Inventory" } },
            capabilities = new { textDocument = new { inlineCompletion = new { } } },
        }, TestContext.Current.CancellationToken);
        await client.NotifyWithParameterObjectAsync(LspMethods.Initialized, new { });
        await client.NotifyWithParameterObjectAsync(LspMethods.DidOpen, new { textDocument = new { uri, languageId = "csharp", version = 1, text = Text } });

        string? context = null;
        for (var attempt = 0; attempt < 100 && context?.Contains(expected, StringComparison.Ordinal) != true; attempt++)
        {
            await client.InvokeWithParameterObjectAsync<InlineCompletionList>(LspMethods.InlineCompletion, new
            {
                textDocument = new { uri },
                position = new { line = 8, character = 25 },
            }, TestContext.Current.CancellationToken);
            context = engine.Requests.LastOrDefault()?.Context;
            if (context?.Contains(expected, StringComparison.Ordinal) != true)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }

        await client.InvokeWithParameterObjectAsync<object>(LspMethods.Shutdown, null, TestContext.Current.CancellationToken);
        await client.NotifyAsync(LspMethods.Exit);
        Assert.Equal(0, await serving);
        return context;
    }
}
