using LLama;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

/// <summary>
/// The engine's detection (<see cref="VocabularyFim.FromVocabulary"/> over llama.cpp's loaded vocabulary)
/// must agree with the GGUF reader's. The shared FIM model is rewritten with each family's marker
/// texts on tokens 3-5 and loaded through llama.cpp.
/// </summary>
public sealed class NativeFimDetectionTests
{
    public static TheoryData<string, string[], string> Spellings => new()
    {
        { "Qwen2.5 Coder", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"], "qwen2.5-coder" },
        { "DeepSeek Coder", ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"], "deepseek-coder" },
        { "CodeLlama", ["▁<PRE>", "▁<SUF>", "▁<MID>"], "codellama" },
        { "Codestral", ["[SUFFIX]", "[PREFIX]", "[MIDDLE]"], "codestral" },
        { "stories", ["<fim_prefix>", "<fim_suffix>", "<fim_middle>"], "starcoder" },
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public void FromVocabulary_RenamedMarkers_SameTemplateAsGgufDetection(string name, string[] markers, string expected)
    {
        var source = TestModels.Require(TestModels.Fim);
        using var temp = new TempFolder();
        var writer = GgufWriter.CopyOf(source)
            .Set("general.name", name)
            .Remove("tokenizer.ggml.fim_pre_token_id")
            .Remove("tokenizer.ggml.fim_suf_token_id")
            .Remove("tokenizer.ggml.fim_mid_token_id");
        var tokens = ((GgufArray)writer.Get("tokenizer.ggml.tokens")!.Value).Items!.ToArray();
        for (var i = 0; i < markers.Length; i++)
        {
            tokens[3 + i] = markers[i];
        }

        writer.SetArray("tokenizer.ggml.tokens", GgufValueType.String, tokens);
        var path = temp.File("renamed.gguf");
        writer.WriteTo(path);

        var fromFile = ModelFacts.Read(path).Fim;
        NativeBackend.Configure(ServerLog.Silent);
        using var weights = LLamaWeights.LoadFromFile(ModelParamsFactory.Create(path, new EngineOptions { Threads = 1, BatchThreads = 1 }));
        var fromVocabulary = VocabularyFim.FromVocabulary(weights.NativeHandle.Vocab, "llama", name);

        Assert.Equal(expected, fromFile.Template);
        Assert.Equal(fromFile, fromVocabulary);
    }
}
