namespace LspCopilot.Completion.Languages;

/// <summary>
/// The languages the text rules know, by LSP language id and else by the file's extension. A language that is
/// not here has no stop rule and gets the safe default: one line at a time.
/// </summary>
public static class LanguageTable
{
    private static readonly LanguageRule s_cLike = new("c-like", BlockSyntax.Brackets, "//", true, "\"'");
    private static readonly LanguageRule s_script = new("script", BlockSyntax.Brackets, "//", true, "\"'`");
    private static readonly LanguageRule s_go = new("go", BlockSyntax.Brackets, "//", true, "\"'`");
    private static readonly LanguageRule s_json = new("json", BlockSyntax.Brackets, null, false, "\"");
    private static readonly LanguageRule s_jsonc = new("jsonc", BlockSyntax.Brackets, "//", true, "\"");
    private static readonly LanguageRule s_css = new("css", BlockSyntax.Brackets, null, true, "\"'");
    private static readonly LanguageRule s_python = new("python", BlockSyntax.Indentation, "#", false, "\"'");
    private static readonly LanguageRule s_yaml = new("yaml", BlockSyntax.Indentation, "#", false, "\"'");

    private static readonly Dictionary<string, LanguageRule> s_byId = new(StringComparer.OrdinalIgnoreCase)
    {
        ["c"] = s_cLike,
        ["cpp"] = s_cLike,
        ["cuda-cpp"] = s_cLike,
        ["objective-c"] = s_cLike,
        ["objective-cpp"] = s_cLike,
        ["csharp"] = s_cLike,
        ["java"] = s_cLike,
        ["rust"] = s_cLike,
        ["swift"] = s_cLike,
        ["kotlin"] = s_script,
        ["scala"] = s_cLike,
        ["dart"] = s_script,
        ["php"] = s_script,
        ["zig"] = s_cLike,
        ["javascript"] = s_script,
        ["javascriptreact"] = s_script,
        ["typescript"] = s_script,
        ["typescriptreact"] = s_script,
        ["go"] = s_go,
        ["json"] = s_json,
        ["jsonc"] = s_jsonc,
        ["jsonl"] = s_json,
        ["css"] = s_css,
        ["scss"] = s_jsonc with { Name = "scss", Quotes = "\"'" },
        ["less"] = s_jsonc with { Name = "less", Quotes = "\"'" },
        ["python"] = s_python,
        ["yaml"] = s_yaml,
    };

    private static readonly Dictionary<string, string> s_idByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".c"] = "c", [".h"] = "c", [".cc"] = "cpp", [".cpp"] = "cpp", [".cxx"] = "cpp", [".hpp"] = "cpp", [".cu"] = "cuda-cpp",
        [".m"] = "objective-c", [".mm"] = "objective-cpp", [".cs"] = "csharp", [".java"] = "java", [".rs"] = "rust",
        [".swift"] = "swift", [".kt"] = "kotlin", [".kts"] = "kotlin", [".scala"] = "scala", [".dart"] = "dart",
        [".php"] = "php", [".zig"] = "zig", [".js"] = "javascript", [".mjs"] = "javascript", [".cjs"] = "javascript",
        [".jsx"] = "javascriptreact", [".ts"] = "typescript", [".mts"] = "typescript", [".cts"] = "typescript",
        [".tsx"] = "typescriptreact", [".go"] = "go", [".json"] = "json", [".jsonc"] = "jsonc", [".jsonl"] = "jsonl",
        [".css"] = "css", [".scss"] = "scss", [".less"] = "less", [".py"] = "python", [".pyi"] = "python",
        [".yaml"] = "yaml", [".yml"] = "yaml",
    };

    /// <summary>The rule for a document: by its language id, else by its URI's extension; null when neither is known.</summary>
    public static LanguageRule? For(string languageId, string uri)
    {
        if (s_byId.TryGetValue(languageId, out var rule))
        {
            return rule with { Name = languageId.ToLowerInvariant() };
        }

        var name = uri.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        return dot >= 0 && s_idByExtension.TryGetValue(name[dot..], out var id) ? s_byId[id] with { Name = id } : null;
    }

    /// <summary>The family a language id belongs to for sharing context: JavaScript and TypeScript (and their React forms), C and C++, the JSONs.</summary>
    public static string Family(string languageId)
    {
        var id = languageId.ToLowerInvariant();
        return id switch
        {
            "javascript" or "javascriptreact" or "typescript" or "typescriptreact" => "javascript",
            "c" or "cpp" or "cuda-cpp" or "objective-c" or "objective-cpp" => "c",
            "json" or "jsonc" or "jsonl" => "json",
            _ => id,
        };
    }

    /// <summary>True when either id is unknown (null or empty) or both are of one <see cref="Family"/>.</summary>
    public static bool SameFamily(string? a, string? b) =>
        string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b) || Family(a) == Family(b);
}
