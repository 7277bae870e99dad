using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;

namespace LspCopilot.Backends.Tests.Backends;

/// <summary>The ollama backend against a stand-in that answers as Ollama documents.</summary>
public sealed class OllamaBackendTests
{
    [Fact]
    public async Task Complete_ModelWithInsertCapability_SendsSuffixAndLetsOllamaTemplateIt()
    {
        await using var server = await OllamaStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.Ollama, server.Url);
        var seen = new List<string>();

        var result = await engine.CompleteAsync(TestBackends.Request(prefix: "int x = ", suffix: ";\n", context: "// int Y;\n"), seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.Equal(3, seen.Count);
        var body = Assert.Single(server.Generations);
        Assert.Equal("// int Y;\nint x = ", body.GetProperty("prompt").GetString());
        Assert.Equal(";\n", body.GetProperty("suffix").GetString());
        Assert.False(body.TryGetProperty("raw", out _));
        Assert.Equal(server.Model, body.GetProperty("model").GetString());
        Assert.Equal("30m", body.GetProperty("keep_alive").GetString());
        Assert.Equal(128, body.GetProperty("options").GetProperty("num_predict").GetInt32());
        Assert.Equal(4096, engine.ContextSize);
    }

    [Fact]
    public async Task Complete_ModelWithoutInsert_SendsRawPromptRenderedWithTheFamilysTemplate()
    {
        await using var server = await OllamaStandIn.StartAsync();
        server.Insert = false;
        using var engine = TestBackends.Create(BackendOptions.Ollama, server.Url);

        var result = await engine.CompleteAsync(TestBackends.Request(prefix: "int x = ", suffix: ";\n"), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        var body = Assert.Single(server.Generations);
        Assert.True(body.GetProperty("raw").GetBoolean());
        Assert.Equal("<|fim_prefix|>int x = <|fim_suffix|>;\n<|fim_middle|>", body.GetProperty("prompt").GetString());
        Assert.False(body.TryGetProperty("suffix", out _));
    }

    [Fact]
    public async Task Complete_NoModelNamed_UsesTheFirstOllamaLists()
    {
        await using var server = await OllamaStandIn.StartAsync();
        server.Model = "starcoder2:3b";
        using var engine = TestBackends.Create(BackendOptions.Ollama, server.Url);

        await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("starcoder2:3b", engine.ModelName);
        Assert.Single(server.Server.To("/api/tags"));
    }

    [Fact]
    public async Task Complete_UnknownModel404_SaysOllamaDoesNotKnowIt()
    {
        await using var server = await OllamaStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.Ollama, server.Url, backend: b => b with { RemoteModel = "qwen2.5-coder:99b" });

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());

        Assert.Contains("does not know the model 'qwen2.5-coder:99b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("model 'qwen2.5-coder:99b' not found", error.Message, StringComparison.Ordinal);
    }
}
