using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>
/// Picks the fill-in-the-middle layout of a code model from its token texts. Every family spells
/// FIM differently and a wrong layout silently ruins suggestions, so texts are matched exactly;
/// the GGUF fim_pre/suf/mid ids are the fallback, and a model with neither gets prefix-only prompts.
/// </summary>
public static class FimTemplates
{
    private sealed record Family(string Template, FimOrder Order, string[] Prefix, string[] Suffix, string[]? Middle)
    {
        /// <summary>The repository-level markers this family was trained with (file separator, repository name); null: none.</summary>
        public (string FileSeparator, string RepoName)? Repo { get; init; }
    }

    // Order matters only when a vocabulary holds two spellings; the GGUF ids then break the tie.
    private static readonly Family[] s_families =
    [
        new("qwen2.5-coder", FimOrder.PrefixSuffixMiddle, ["<|fim_prefix|>"], ["<|fim_suffix|>"], ["<|fim_middle|>"]) { Repo = ("<|file_sep|>", "<|repo_name|>") },
        new("deepseek-coder", FimOrder.PrefixSuffixMiddle, ["<｜fim▁begin｜>"], ["<｜fim▁hole｜>"], ["<｜fim▁end｜>"]),
        new("starcoder", FimOrder.PrefixSuffixMiddle, ["<fim_prefix>"], ["<fim_suffix>"], ["<fim_middle>"]) { Repo = ("<file_sep>", "<repo_name>") },
        new("codellama", FimOrder.PrefixSuffixMiddle, ["▁<PRE>", "<PRE>"], ["▁<SUF>", "<SUF>"], ["▁<MID>", "<MID>"]),
        // Codestral puts the suffix first and has no middle marker: [SUFFIX]s[PREFIX]p.
        new("codestral", FimOrder.SuffixPrefixMiddle, ["[PREFIX]"], ["[SUFFIX]"], null),
        new("glm4", FimOrder.PrefixSuffixMiddle, ["<|code_prefix|>"], ["<|code_suffix|>"], ["<|code_middle|>"]),
        new("santacoder", FimOrder.PrefixSuffixMiddle, ["<fim-prefix>"], ["<fim-suffix>"], ["<fim-middle>"]),
    ];

    /// <summary>
    /// Families trained with suffix-first prompts as well as prefix-first ones (StarCoder, StarCoder2 and SantaCoder
    /// apply FIM in both orders; Code Llama trains both; Codestral only puts the suffix first), for which
    /// <c>--fim-order spm</c> keeps suggestions as good while typing at the end of the prefix only appends to the KV cache.
    /// </summary>
    public static bool TrainedSuffixFirst(string template) =>
        template is "starcoder" or "starcoder2" or "santacoder" or "codellama" or "codestral";

    /// <summary>Template names this detector can return, for documentation and tests.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["qwen2.5-coder", "codegemma", "deepseek-coder", "starcoder", "starcoder2", "granite-code", "codellama", "codestral", "glm4", "santacoder", "gguf-fim", "prefix-only"];

    public static FimLayout Detect(FimEvidence evidence)
    {
        FimLayout? first = null;
        foreach (var family in s_families)
        {
            if (Match(family, evidence) is not { } layout)
            {
                continue;
            }

            if (evidence.PrefixId is null || layout.PrefixToken == evidence.PrefixId)
            {
                return layout;
            }

            first ??= layout;
        }

        if (first is not null)
        {
            return first;
        }

        if (evidence is { PrefixId: int pre, SuffixId: int suf, MiddleId: int mid })
        {
            return new FimLayout("gguf-fim", FimOrder.PrefixSuffixMiddle, pre, suf, mid);
        }

        return FimLayout.PrefixOnly;
    }

    /// <summary>Detects the template of a GGUF file from its token texts and fim ids.</summary>
    public static FimLayout Detect(GgufFile file)
    {
        var tokens = file.GetArray("tokenizer.ggml.tokens")?.Items;
        Dictionary<string, int>? index = null;
        if (tokens is not null)
        {
            index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < tokens.Count; i++)
            {
                if (tokens[i] is string text)
                {
                    index.TryAdd(text, i);
                }
            }
        }

        int? Id(string key) => file.GetInteger(key) is long v && v >= 0 && v < int.MaxValue && (tokens is null || v < tokens.Count) ? (int)v : null;

        return Detect(new FimEvidence(
            file.Architecture,
            file.GetString("general.name"),
            text => index is not null && index.TryGetValue(text, out var id) ? id : null,
            Id("tokenizer.ggml.fim_pre_token_id"),
            Id("tokenizer.ggml.fim_suf_token_id"),
            Id("tokenizer.ggml.fim_mid_token_id")));
    }

    private static FimLayout? Match(Family family, FimEvidence evidence)
    {
        if (Find(family.Prefix, evidence) is not int prefix || Find(family.Suffix, evidence) is not int suffix)
        {
            return null;
        }

        int? middle = null;
        if (family.Middle is not null)
        {
            if (Find(family.Middle, evidence) is not int m)
            {
                return null;
            }

            middle = m;
        }

        return new FimLayout(Name(family.Template, evidence), family.Order, prefix, suffix, middle) { Repo = RepoOf(family, evidence) };
    }

    /// <summary>
    /// The family's repository-level markers when the vocabulary holds its file separator as a control token (a
    /// StarCoder 1 vocabulary has none; CodeGemma spells it differently and keeps comment blocks).
    /// </summary>
    private static RepoLayout? RepoOf(Family family, FimEvidence evidence)
    {
        if (family.Repo is not { } repo || evidence.FindToken(repo.FileSeparator) is not int separator)
        {
            return null;
        }

        return evidence.FindToken(repo.RepoName) is int name
            ? new RepoLayout(repo.FileSeparator, separator, repo.RepoName, name)
            : new RepoLayout(repo.FileSeparator, separator);
    }

    private static int? Find(string[] spellings, FimEvidence evidence)
    {
        foreach (var text in spellings)
        {
            if (evidence.FindToken(text) is int id)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>Families that share a spelling are told apart by architecture and name.</summary>
    private static string Name(string template, FimEvidence evidence)
    {
        var arch = evidence.Architecture ?? string.Empty;
        var name = evidence.ModelName ?? string.Empty;
        return template switch
        {
            "qwen2.5-coder" when arch.StartsWith("gemma", StringComparison.OrdinalIgnoreCase) => "codegemma",
            "starcoder" when arch.Contains("granite", StringComparison.OrdinalIgnoreCase) || name.Contains("granite", StringComparison.OrdinalIgnoreCase) => "granite-code",
            "starcoder" when arch.Equals("starcoder2", StringComparison.OrdinalIgnoreCase) => "starcoder2",
            _ => template,
        };
    }
}
