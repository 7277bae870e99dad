using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Engine.Chat;
using LspCopilot.Engine.CpuVariants;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Cli;

/// <summary>The facts <c>model info</c> prints, as text for people and as JSON for tools.</summary>
public static class ModelInfoReport
{
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="cpu">The CPU builds measured on this machine, for the model's <c>cpu_build</c>; left out when null.</param>
    /// <param name="chat">How code actions talk to the model (null: unknown, see <paramref name="chatUnavailable"/>).</param>
    public static JsonObject ToJson(ModelFacts model, IReadOnlyList<MemoryEstimate> memory, CpuVariantStatus? cpu = null, ChatLayoutReport? chat = null, string? chatUnavailable = null)
    {
        var byContext = new JsonObject();
        foreach (var estimate in memory)
        {
            byContext[estimate.ContextSize.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["kv_cache"] = estimate.KvCacheBytes,
                ["total"] = estimate.TotalBytes,
            };
        }

        var json = new JsonObject
        {
            ["path"] = model.Path,
            ["file_size"] = model.FileSize,
            ["complete"] = model.IsComplete,
            ["gguf_version"] = model.Gguf.Version,
            ["architecture"] = model.Architecture,
            ["name"] = model.Name,
            ["size_label"] = model.SizeLabel,
            ["parameters"] = model.Parameters,
            ["quantization"] = model.Quantization,
            ["file_type"] = model.FileType,
            ["context_length"] = model.ContextLength,
            ["vocab_size"] = model.VocabSize,
            ["block_count"] = model.BlockCount,
            ["embedding_length"] = model.EmbeddingLength,
            ["head_count"] = model.HeadCount,
            ["head_count_kv"] = model.HeadCountKv,
            ["tokenizer"] = model.TokenizerModel,
            ["fim"] = FimJson(model),
            ["context_layout"] = ContextLayoutJson(model),
            ["chat_template"] = model.HasChatTemplate,
            ["chat"] = chat is null
                ? new JsonObject { ["unknown"] = chatUnavailable ?? "not read" }
                : new JsonObject { ["layout"] = chat.Layout, ["reason"] = chat.Reason, ["refactor_layout"] = chat.Refactor },
            ["eog_tokens"] = new JsonArray([.. model.EndOfGenerationTokens.Select(id => Token(model, id))]),
            ["memory"] = new JsonObject
            {
                ["weights"] = model.WeightBytes,
                ["kv_cache_type"] = memory.FirstOrDefault()?.KvCacheType ?? "f16",
                ["by_context"] = byContext,
            },
        };
        if (cpu is not null)
        {
            json["cpu_build"] = CpuVariantOutput.ModelJson(cpu, cpu.ForModel);
        }

        return json;
    }

    public static string ToText(ModelFacts model, IReadOnlyList<MemoryEstimate> memory, CpuVariantStatus? cpu = null, ChatLayoutReport? chat = null, string? chatUnavailable = null)
    {
        var text = new StringBuilder();
        void Line(string label, string? value) => text.Append(CultureInfo.InvariantCulture, $"  {label,-14}{value ?? "-"}\n");

        text.Append(System.IO.Path.GetFileName(model.Path)).Append('\n');
        Line("file", $"{model.Path} ({ByteUnits.Format(model.FileSize)}, GGUF v{model.Gguf.Version})");
        if (!model.IsComplete)
        {
            Line("WARNING", $"the file is truncated: its tensors need {ByteUnits.Format(model.Gguf.ExpectedFileSize ?? 0)}. Download it again.");
        }

        Line("architecture", model.Architecture);
        Line("name", model.Name);
        Line("parameters", ByteUnits.Count(model.Parameters) + (model.SizeLabel is { } label ? $" (labelled {label})" : string.Empty));
        Line("quantization", model.Quantization);
        Line("context", model.ContextLength is long ctx ? $"{ctx:N0} tokens (trained)" : null);
        Line("vocabulary", model.VocabSize is int v ? $"{v:N0} tokens" + (model.TokenizerModel is { } t ? $" ({t} tokenizer)" : string.Empty) : null);
        Line("layers", $"{model.BlockCount} (embedding {model.EmbeddingLength?.ToString(CultureInfo.InvariantCulture) ?? "?"}, {model.HeadCount?.ToString(CultureInfo.InvariantCulture) ?? "?"} heads, {model.HeadCountKv?.ToString(CultureInfo.InvariantCulture) ?? "?"} KV heads)");
        Line("FIM", FimText(model));
        Line("context", model.Fim.Repo is { } repo
            ? $"{repo.Description}: retrieved context is written as other files of the repository, before the FIM block"
            : "comment blocks before the code (no repository-level tokens in this model's FIM family)");
        if (model.Fim.HasFim)
        {
            Line("suffix first", FimTemplates.TrainedSuffixFirst(model.Fim.Template)
                ? "trained (--fim-order spm: typing at the end of the prefix only appends to the KV cache)"
                : "not known to be trained with it: keep --fim-order auto");
        }
        Line("chat template", model.HasChatTemplate ? "yes" : "no");
        if (chat is not null)
        {
            Line("explain", $"{chat.Layout} — {chat.Reason}");
            Line("refactor", chat.Refactor);
        }
        else
        {
            Line("chat layout", $"unknown: {chatUnavailable ?? "not read"}");
        }

        Line("end tokens", model.EndOfGenerationTokens.Count == 0 ? "none" : string.Join(", ", model.EndOfGenerationTokens.Select(id => $"{model.TokenText(id) ?? "?"} ({id})")));
        Line("memory", $"weights {ByteUnits.Format(model.WeightBytes)} + KV cache ({memory.FirstOrDefault()?.KvCacheType ?? "f16"}):");
        foreach (var estimate in memory)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {string.Empty,-14}  {estimate.ContextSize,7:N0} tokens: KV {ByteUnits.Format(estimate.KvCacheBytes),-10} total {ByteUnits.Format(estimate.TotalBytes)}\n");
        }

        if (cpu is not null)
        {
            Line("CPU build", CpuVariantOutput.ModelText(cpu, cpu.ForModel));
        }

        return text.ToString();
    }

    private static JsonObject? FimJson(ModelFacts model)
    {
        var fim = model.Fim;
        if (!fim.HasFim)
        {
            return null;
        }

        return new JsonObject
        {
            ["template"] = fim.Template,
            ["order"] = fim.OrderName,
            ["prefix"] = Token(model, fim.PrefixToken),
            ["suffix"] = Token(model, fim.SuffixToken),
            ["middle"] = Token(model, fim.MiddleToken),
            ["suffix_first_trained"] = FimTemplates.TrainedSuffixFirst(fim.Template),
        };
    }

    private static string FimText(ModelFacts model)
    {
        var fim = model.Fim;
        if (!fim.HasFim)
        {
            return "none: prompts are the text before the cursor only (prefix-only)";
        }

        string? Part(FimPart part) => part switch
        {
            FimPart.Context => null,
            FimPart.Prefix => "prefix",
            FimPart.Suffix => "suffix",
            _ => fim.Marker(part) is int i ? $"{model.TokenText(i) ?? "?"} ({i})" : null,
        };
        return $"{fim.Template}: {string.Join(' ', fim.Parts.Select(Part).OfType<string>())}";
    }

    /// <summary>How the context is written into this model's prompts: other files (with the tokens that frame them) or comment blocks.</summary>
    private static JsonObject ContextLayoutJson(ModelFacts model) => model.Fim.Repo is { } repo
        ? new JsonObject
        {
            ["kind"] = "repo-files",
            ["file_separator"] = Token(model, repo.FileSeparatorToken),
            ["repo_name"] = Token(model, repo.RepoNameToken),
        }
        : new JsonObject { ["kind"] = "comments" };

    private static JsonObject? Token(ModelFacts model, int? id) =>
        id is int i ? new JsonObject { ["id"] = i, ["text"] = model.TokenText(i) } : null;
}
