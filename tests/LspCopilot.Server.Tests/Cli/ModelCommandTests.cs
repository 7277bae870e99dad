using System.Text.Json;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Cli;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Cli;

/// <summary>The model and doctor commands, run in a real lspcopilot process where the "done when" asks for it.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task ModelInfoJson_SharedFimModel_ReportsLlamaAndItsFimTokens()
    {
        var path = TestModels.Require(TestModels.Fim);

        var run = await CliProcess.RunAsync(["model", "info", path, "--json"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal("llama", root.GetProperty("architecture").GetString());
        Assert.Equal("F32", root.GetProperty("quantization").GetString());
        Assert.Equal(2048, root.GetProperty("context_length").GetInt32());
        Assert.True(root.GetProperty("parameters").GetInt64() > 0);
        var fim = root.GetProperty("fim");
        Assert.Equal("starcoder", fim.GetProperty("template").GetString());
        Assert.Equal(3, fim.GetProperty("prefix").GetProperty("id").GetInt32());
        Assert.Equal("<fim_prefix>", fim.GetProperty("prefix").GetProperty("text").GetString());
        Assert.Equal("<fim_suffix>", fim.GetProperty("suffix").GetProperty("text").GetString());
        Assert.Equal("<fim_middle>", fim.GetProperty("middle").GetProperty("text").GetString());
        Assert.True(fim.GetProperty("suffix_first_trained").GetBoolean());
        Assert.False(root.GetProperty("chat_template").GetBoolean());
        Assert.True(root.GetProperty("memory").GetProperty("by_context").GetProperty("2048").GetProperty("total").GetInt64() > root.GetProperty("memory").GetProperty("weights").GetInt64());
    }

    [Fact]
    public void ModelInfoJson_ModelWithoutFim_FimIsNull()
    {
        var stdout = new StringWriter();

        var code = ModelInfoCommand.Run(new FileInfo(TestModels.Require(TestModels.Stories)), json: true, null, "f16", stdout, TextWriter.Null);

        Assert.Equal(0, code);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("fim").ValueKind);
    }

    [Fact]
    public void ModelInfoJson_FimModelWithoutChatTemplate_ExplainsPlain_RefactorsThroughFim()
    {
        var stdout = new StringWriter();

        ModelInfoCommand.Run(new FileInfo(TestModels.Require(TestModels.Fim)), json: true, null, "f16", stdout, TextWriter.Null);

        var chat = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("chat");
        Assert.Equal("plain", chat.GetProperty("layout").GetString());
        Assert.Contains("no chat template in the GGUF", chat.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("fill-in-the-middle", chat.GetProperty("refactor_layout").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelInfo_ModelWithAChatMLTemplate_ExplainsAndRefactorsThroughIt()
    {
        var path = ChatModels.ChatML(_temp);
        var (json, text) = (new StringWriter(), new StringWriter());

        ModelInfoCommand.Run(new FileInfo(path), json: true, null, "f16", json, TextWriter.Null);
        ModelInfoCommand.Run(new FileInfo(path), json: false, null, "f16", text, TextWriter.Null);

        var chat = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("chat");
        Assert.Equal("chat template (chatml)", chat.GetProperty("layout").GetString());
        Assert.Equal("chat template (chatml)", chat.GetProperty("refactor_layout").GetString());
        Assert.Contains("explain       chat template (chatml) — ", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("refactor      chat template (chatml)", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelInfo_QwenWithRepoLevelTokens_SaysTheContextIsWrittenAsFiles()
    {
        var path = RepoLevelModels.Write(_temp, "Qwen2.5 Coder 1.5B", RepoLevelModels.Qwen, "qwen-repo.gguf");
        var json = new StringWriter();
        var text = new StringWriter();

        ModelInfoCommand.Run(new FileInfo(path), json: true, null, "f16", json, TextWriter.Null);
        ModelInfoCommand.Run(new FileInfo(path), json: false, null, "f16", text, TextWriter.Null);

        var layout = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("context_layout");
        Assert.Equal("repo-files", layout.GetProperty("kind").GetString());
        Assert.Equal("<|file_sep|>", layout.GetProperty("file_separator").GetProperty("text").GetString());
        Assert.Equal(RepoLevelModels.FirstMarkerId + 4, layout.GetProperty("file_separator").GetProperty("id").GetInt32());
        Assert.Equal("<|repo_name|>", layout.GetProperty("repo_name").GetProperty("text").GetString());
        Assert.Contains("context       repo files (<|file_sep|>, <|repo_name|>)", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelInfo_FimModelWithoutRepoLevelTokens_SaysCommentBlocks()
    {
        var json = new StringWriter();
        var text = new StringWriter();

        ModelInfoCommand.Run(new FileInfo(TestModels.Require(TestModels.Fim)), json: true, null, "f16", json, TextWriter.Null);
        ModelInfoCommand.Run(new FileInfo(TestModels.Require(TestModels.Fim)), json: false, null, "f16", text, TextWriter.Null);

        Assert.Equal("comments", JsonDocument.Parse(json.ToString()).RootElement.GetProperty("context_layout").GetProperty("kind").GetString());
        Assert.Contains("context       comment blocks", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelInfo_NotAGgufFile_ExitTwoWithTheReason()
    {
        var path = _temp.File("notes.gguf");
        File.WriteAllText(path, "hello");
        var stderr = new StringWriter();

        var code = ModelInfoCommand.Run(new FileInfo(path), json: false, null, "f16", TextWriter.Null, stderr);

        Assert.Equal(2, code);
        Assert.Contains("does not start with 'GGUF'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelPull_StandInHub_DownloadsIntoTheCacheAndPrintsThePath()
    {
        var content = TestGguf.Model("qwen2", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"]).ToBytes();
        using var hub = new StandInHub("acme/Tiny-GGUF", "tiny.gguf", content);
        var cache = Path.Combine(_temp.Path, "cache");

        var run = await CliProcess.RunAsync(["model", "pull", "acme/Tiny-GGUF", "tiny.gguf", "--endpoint", hub.Endpoint.ToString(), "--cache-dir", cache], cancellationToken: TestContext.Current.CancellationToken);

        var expected = Path.Combine(cache, "acme", "Tiny-GGUF", "tiny.gguf");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.Stdout.Trim());
        Assert.Contains("Verified", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(expected, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ModelPull_CorruptedByTheServer_NonZeroExitAndNothingInTheCache()
    {
        using var hub = new StandInHub("acme/Tiny-GGUF", "tiny.gguf", TestGguf.Model("llama", []).ToBytes()) { CorruptBody = true };
        var cache = Path.Combine(_temp.Path, "cache");
        var stderr = new StringWriter();
        using var http = ModelDownloader.CreateHttpClient();

        var code = await ModelPullCommand.RunAsync(new ModelPullCommand.PullRequest("acme/Tiny-GGUF", "tiny.gguf", hub.Endpoint.ToString(), null, null, cache), http, false, TextWriter.Null, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Contains("SHA-256 mismatch", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ModelPull_Offline_ClearMessageNonZeroExit()
    {
        var stderr = new StringWriter();
        using var http = ModelDownloader.CreateHttpClient();
        var request = new ModelPullCommand.PullRequest("acme/Tiny-GGUF", "tiny.gguf", "http://127.0.0.1:9/", null, null, _temp.Path, Retries: 0);

        var code = await ModelPullCommand.RunAsync(request, http, false, TextWriter.Null, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Contains("Cannot reach 127.0.0.1", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a repo", "x.gguf", "not a repository name")]
    [InlineData("acme/x", "../../etc/passwd", "'..'")]
    [InlineData("acme/x", null, "Give both REPO and FILE")]
    public async Task ModelPull_BadArguments_ExitTwoWithAMessage(string repo, string? file, string expected)
    {
        var stderr = new StringWriter();
        using var http = ModelDownloader.CreateHttpClient();

        var code = await ModelPullCommand.RunAsync(new ModelPullCommand.PullRequest(repo, file, null, null, null, _temp.Path), http, false, TextWriter.Null, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelList_CompleteAndPartialFiles_BothShown()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_temp.Path, "acme", "Tiny-GGUF")).FullName;
        File.WriteAllBytes(Path.Combine(dir, "a.gguf"), new byte[10]);
        File.WriteAllBytes(Path.Combine(dir, "b.gguf.partial"), new byte[5]);
        File.WriteAllText(Path.Combine(dir, "b.gguf.partial.etag"), "\"x\"");
        var stdout = new StringWriter();

        ModelListCommand.Run(_temp.Path, json: true, stdout);

        var models = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, models.Count);
        Assert.Equal(("acme/Tiny-GGUF", "a.gguf", true), (models[0].GetProperty("repository").GetString(), models[0].GetProperty("file").GetString(), models[0].GetProperty("complete").GetBoolean()));
        Assert.False(models[1].GetProperty("complete").GetBoolean());
    }

    [Fact]
    public async Task Doctor_ThisMachine_ReportsTheCpuBackendAndNoCrashWithoutGpus()
    {
        var run = await CliProcess.RunAsync(["doctor", "--json", "--model", TestModels.Require(TestModels.Quantized)], new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.True(root.GetProperty("native").GetProperty("loaded").GetBoolean());
        Assert.StartsWith("CPU", root.GetProperty("native").GetProperty("backend").GetString(), StringComparison.Ordinal);
        Assert.Contains("libllama", root.GetProperty("native").GetProperty("library").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("model").GetProperty("fits").GetBoolean());
        if (root.GetProperty("gpus").GetArrayLength() == 0)
        {
            Assert.StartsWith("no NVIDIA GPU visible", root.GetProperty("gpu_note").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Doctor_WithAChatModel_PlansItBesideTheModel()
    {
        var chat = ChatModels.ChatML(_temp);
        var environment = new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path };

        var json = await CliProcess.RunAsync(["doctor", "--json", "--model", TestModels.Require(TestModels.Fim), "--chat-model", chat], environment, TestContext.Current.CancellationToken);
        var text = await CliProcess.RunAsync(["doctor", "--model", TestModels.Require(TestModels.Fim), "--chat-model", chat], environment, TestContext.Current.CancellationToken);

        Assert.Equal(0, json.ExitCode);
        var section = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("chat_model");
        Assert.Equal(chat, section.GetProperty("path").GetString());
        Assert.True(section.GetProperty("chat_template").GetBoolean());
        Assert.True(section.GetProperty("fits_beside_model").GetBoolean());
        Assert.True(section.GetProperty("devices").GetArrayLength() > 0);
        Assert.Contains("Chat model (--chat-model, beside the model above)", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("both fit", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_ChatModelMissing_SaysSoAndFails()
    {
        var run = await CliProcess.RunAsync(["doctor", "--model", TestModels.Require(TestModels.Fim), "--chat-model", _temp.File("gone.gguf")], new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("gone.gguf", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("ERROR", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_NoModelAnywhere_TellsThePullCommand()
    {
        var run = await CliProcess.RunAsync(["doctor"], new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(ModelDefaults.PullCommand, run.Stdout, StringComparison.Ordinal);
        Assert.Contains("none configured", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_TruncatedModel_ExplainsInsteadOfCrashing()
    {
        var bytes = await File.ReadAllBytesAsync(TestModels.Require(TestModels.Fim), TestContext.Current.CancellationToken);
        var path = _temp.File("cut.gguf");
        await File.WriteAllBytesAsync(path, bytes[..100], TestContext.Current.CancellationToken);

        var run = await CliProcess.RunAsync(["doctor", "--model", path], new Dictionary<string, string?> { ["LSPCOPILOT_MODEL_CACHE"] = _temp.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("truncated", run.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
