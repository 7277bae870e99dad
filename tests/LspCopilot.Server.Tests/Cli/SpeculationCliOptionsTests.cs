using System.Text.Json;
using LspCopilot.Completion;

namespace LspCopilot.Server.Tests.Cli;

/// <summary>--draft-model and --speculation, on the command line and in initializationOptions.</summary>
public sealed class SpeculationCliOptionsTests
{
    [Fact]
    public void Read_DraftModelAndSpeculation_MapOntoEngineOptions()
    {
        var (options, errors) = Parse("--draft-model", "/models/qwen2.5-coder-0.5b.gguf", "--speculation", "draft");

        Assert.Empty(errors);
        Assert.Equal("/models/qwen2.5-coder-0.5b.gguf", options.DraftModelPath);
        Assert.Equal("draft", options.Speculation);
    }

    [Fact]
    public void DoctorLine_BatchInvariant_SaysSoAfterHowItSpeculates()
    {
        var (options, errors) = Parse("--batch-invariant");

        Assert.Empty(errors);
        Assert.Equal("prompt lookup; batch-invariant (the same text with speculation on or off, decoding slower)", Server.Cli.DoctorOutput.SpeculationLine(null, options));
        Assert.Equal("prompt lookup", Server.Cli.DoctorOutput.SpeculationLine(null, new EngineOptions()));
    }

    [Fact]
    public void Read_NoSpeculationOption_AutoWithoutDraftModel()
    {
        var (options, errors) = Parse();

        Assert.Empty(errors);
        Assert.Equal("auto", options.Speculation);
        Assert.Null(options.DraftModelPath);
    }

    [Fact]
    public void Read_UnknownSpeculation_ErrorNamesTheChoices()
    {
        var (_, errors) = Parse("--speculation", "fast");

        Assert.Contains(errors, e => e.Contains("auto", StringComparison.Ordinal) && e.Contains("lookup", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_SpeculationDraftWithoutDraftModel_ErrorSaysWhatToAdd()
    {
        var (_, errors) = Parse("--speculation", "draft");

        Assert.Contains(errors, e => e.Contains("--draft-model", StringComparison.Ordinal));
    }

    [Fact]
    public void InitializationOptions_DraftModelAndSpeculation_Applied()
    {
        using var json = JsonDocument.Parse("""{ "draftModel": "/models/draft.gguf", "speculation": "off" }""");

        var options = EngineOptionsJson.Apply(new EngineOptions(), json.RootElement, out var problems);

        Assert.Empty(problems);
        Assert.Equal("/models/draft.gguf", options.DraftModelPath);
        Assert.Equal("off", options.Speculation);
    }

    [Fact]
    public void InitializationOptions_UnknownSpeculation_SkippedWithAMessage()
    {
        using var json = JsonDocument.Parse("""{ "speculation": 3 }""");

        var options = EngineOptionsJson.Apply(new EngineOptions(), json.RootElement, out var problems);

        Assert.Equal("auto", options.Speculation);
        Assert.Contains(problems, p => p.Contains("speculation", StringComparison.Ordinal));
    }

    private static (EngineOptions Options, IReadOnlyList<string> Errors) Parse(params string[] args) => EngineCliParse.Parse(args);
}
