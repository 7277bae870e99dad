using System.CommandLine;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Cli;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Backends.Tests.Options;

/// <summary>The backend options from the command line and from initializationOptions, and which wins.</summary>
public sealed class BackendOptionsTests
{
    private static InitializationOptions Client(string json) => InitializationOptions.Read(JsonDocument.Parse(json).RootElement, out _)!;

    [Fact]
    public void InitializationOptions_BackendKeys_Applied()
    {
        var options = EngineOptionsJson.Apply(new EngineOptions(), JsonDocument.Parse("""
            { "backend": "ollama", "endpoint": "http://box:11434/", "remoteModel": "qwen2.5-coder:7b", "fimTemplate": "qwen", "slot": 2 }
            """).RootElement, out var problems);

        Assert.Empty(problems);
        Assert.Equal(new BackendOptions { Kind = "ollama", Endpoint = "http://box:11434", RemoteModel = "qwen2.5-coder:7b", FimTemplate = "qwen", Slot = 2 }, options.Backend);
    }

    [Fact]
    public void InitializationOptions_ApiKeyFile_IgnoredWithAMessage_TheServerNeverReadsAFileAnEditorNames()
    {
        var options = EngineOptionsJson.Apply(new EngineOptions(), JsonDocument.Parse("""{ "endpoint": "http://attacker:80", "apiKeyFile": "/etc/shadow" }""").RootElement, out var problems);

        Assert.Null(options.Backend.ApiKeyFile);
        Assert.Contains(problems, p => p.Contains("apiKeyFile is ignored", StringComparison.Ordinal) && p.Contains("--api-key-file", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "backend": "tgi" }""", "--backend 'tgi' is unknown")]
    [InlineData("""{ "endpoint": "ftp://box" }""", "not an http:// or https:// URL")]
    [InlineData("""{ "endpoint": "http://user:pw@box" }""", "without a query, fragment or user name")]
    [InlineData("""{ "fimTemplate": "gpt" }""", "--fim-template 'gpt' is unknown")]
    [InlineData("""{ "slot": -1 }""", "a llama-server slot number, 0 or more")]
    [InlineData("""{ "slot": "first" }""", "a llama-server slot number, 0 or more")]
    public void InitializationOptions_BadBackendValue_SkippedWithAMessage(string json, string message)
    {
        var options = EngineOptionsJson.Apply(new EngineOptions(), JsonDocument.Parse(json).RootElement, out var problems);

        Assert.Contains(problems, p => p.Contains(message, StringComparison.Ordinal));
        Assert.Equal(new BackendOptions(), options.Backend);
    }

    [Fact]
    public void CommandLine_WinsOverTheEditorsInitializationOptions()
    {
        var cli = new BackendCliOptions();
        var root = new RootCommand();
        cli.AddTo(root);
        var parse = root.Parse(["--backend", "openai", "--endpoint", "http://gpu-box:8000/v1", "--slot", "3"]);
        var client = Client("""{ "backend": "ollama", "endpoint": "http://laptop:11434", "remoteModel": "qwen2.5-coder:7b" }""");

        var effective = OptionPrecedence.Engine(new EngineOptions(), options => cli.Overlay(parse, options), client, _ => { });

        Assert.Equal("openai", effective.Backend.Kind);
        Assert.Equal("http://gpu-box:8000/v1", effective.Backend.Endpoint);
        Assert.Equal("qwen2.5-coder:7b", effective.Backend.RemoteModel);
        Assert.Equal(3, effective.Backend.Slot);
    }

    [Theory]
    [InlineData("--backend", "vllm")]
    [InlineData("--endpoint", "localhost:8080")]
    [InlineData("--fim-template", "gpt")]
    [InlineData("--slot", "-2")]
    public void CommandLine_BadValue_ParseError(string option, string value)
    {
        var root = new RootCommand();
        new BackendCliOptions().AddTo(root);

        var parse = root.Parse([option, value]);

        Assert.NotEmpty(parse.Errors);
    }

    [Fact]
    public void Default_IsLlamaSharp()
    {
        Assert.False(new EngineOptions().Backend.IsRemote);
        Assert.Equal(BackendOptions.LlamaSharp, new EngineOptions().Backend.Kind);
    }
}
