using System.CommandLine;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Cli;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Tests.Configuration;

/// <summary>Which source wins, for each kind of setting — the rules <see cref="OptionPrecedence"/> alone decides.</summary>
public sealed class OptionPrecedenceTests
{
    private static InitializationOptions Client(object options) =>
        InitializationOptions.Read(JsonSerializer.SerializeToElement(options), out _)!;

    private static (EngineOptions Server, Func<EngineOptions, EngineOptions> Reapply) CommandLine(params string[] args)
    {
        var cli = new EngineCliOptions();
        var command = new RootCommand();
        cli.AddTo(command);
        var parse = command.Parse(args);
        return (cli.Read(parse, useEnvironment: false), given => cli.Overlay(parse, given));
    }

    [Fact]
    public void Engine_CommandLineBeatsTheEditor_TheEditorFillsWhatTheCommandLineLeftOpen()
    {
        var (server, reapply) = CommandLine("--context-size", "2048", "--model", "/cli.gguf");
        var warnings = new List<string>();

        var options = OptionPrecedence.Engine(server, reapply, Client(new { contextSize = 8192, kvCacheType = "q8_0", modelPath = "/editor.gguf" }), warnings.Add);

        Assert.Equal(2048u, options.ContextSize);
        Assert.Equal("q8_0", options.KvCacheType);
        Assert.Equal("/cli.gguf", options.ModelPath);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Engine_CpuVariant_CommandLineBeatsTheEditorWhichBeatsTheDefault()
    {
        var (server, reapply) = CommandLine("--cpu-variant", "avx");
        var (openServer, openReapply) = CommandLine();

        var fromCommandLine = OptionPrecedence.Engine(server, reapply, Client(new { cpuVariant = "avx2" }), _ => { });
        var fromEditor = OptionPrecedence.Engine(openServer, openReapply, Client(new { cpuVariant = "avx2" }), _ => { });

        Assert.Equal("avx", fromCommandLine.CpuVariant);
        Assert.Equal("avx2", fromEditor.CpuVariant);
    }

    [Fact]
    public void Engine_EditorPresetThenEditorKeys_StillUnderTheCommandLine()
    {
        var (server, reapply) = CommandLine("--gpu-layers", "10");

        var options = OptionPrecedence.Engine(server, reapply, Client(new { preset = "dual-16g-8g", gpuLayers = 20, splitMode = "row" }), _ => { });

        Assert.Equal(10, options.GpuLayers);
        Assert.Equal("row", options.SplitMode);
    }

    [Fact]
    public void Engine_WithoutACommandLine_TheEditorAppliesOverTheServersOptions()
    {
        var options = OptionPrecedence.Engine(new EngineOptions { ContextSize = 1024, Threads = 3 }, null, Client(new { contextSize = 512 }), _ => { });

        Assert.Equal((512u, 3), (options.ContextSize, options.Threads));
    }

    [Fact]
    public void Engine_ABadEditorValue_SkippedWithAWarning()
    {
        var warnings = new List<string>();

        var options = OptionPrecedence.Engine(new EngineOptions(), null, Client(new { kvCacheType = "q3_banana" }), warnings.Add);

        Assert.Equal(new EngineOptions().KvCacheType, options.KvCacheType);
        Assert.Contains(warnings, w => w.StartsWith("initializationOptions: ", StringComparison.Ordinal) && w.Contains("q3_banana", StringComparison.Ordinal));
    }

    [Fact]
    public void ModelPath_CommandLineThenEditorThenEnvironment()
    {
        Environment.SetEnvironmentVariable(EngineCliOptionsEnvironment.ModelVariable, "/env.gguf");
        try
        {
            Assert.Equal("/cli.gguf", OptionPrecedence.ModelPath("/cli.gguf", "/editor.gguf"));
            Assert.Equal("/editor.gguf", OptionPrecedence.ModelPath(null, "/editor.gguf"));
            Assert.Equal("/env.gguf", OptionPrecedence.ModelPath(null, null));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EngineCliOptionsEnvironment.ModelVariable, null);
        }

        Assert.Null(OptionPrecedence.ModelPath(null, null, cache: false));
    }

    [Fact]
    public void Generation_TheEditorBeatsTheServerDefault_InvalidValuesKeepTheServers()
    {
        var server = new GenerationOptions { MaxTokens = 64, Temperature = 0.2f };

        Assert.Equal((32, 0.5f), Pair(OptionPrecedence.Generation(server, Client(new { maxTokens = 32, temperature = 0.5 }))));
        Assert.Equal((64, 0.2f), Pair(OptionPrecedence.Generation(server, Client(new { maxTokens = 0, temperature = -1 }))));
        Assert.Equal((64, 0.2f), Pair(OptionPrecedence.Generation(server, null)));

        static (int, float) Pair(GenerationOptions g) => (g.MaxTokens, g.Temperature);
    }

    [Fact]
    public void Read_AWrongTypedKey_KeepsTheEngineKeysAndSaysWhy()
    {
        var client = InitializationOptions.Read(JsonSerializer.SerializeToElement(new { maxTokens = "many", contextSize = 512 }), out var problem);

        Assert.NotNull(problem);
        Assert.Null(client!.MaxTokens);
        Assert.Equal(512u, OptionPrecedence.Engine(new EngineOptions(), null, client, _ => { }).ContextSize);
    }

    [Fact]
    public void AuthTokenOf_ReadsOnlyAStringToken()
    {
        Assert.Equal("s3cret", InitializationOptions.AuthTokenOf(JsonSerializer.SerializeToElement(new { initializationOptions = new { authToken = "s3cret" } })));
        Assert.Equal(string.Empty, InitializationOptions.AuthTokenOf(JsonSerializer.SerializeToElement(new { initializationOptions = new { authToken = 42 } })));
        Assert.Equal(string.Empty, InitializationOptions.AuthTokenOf(JsonSerializer.SerializeToElement(new { processId = 1 })));
    }
}
