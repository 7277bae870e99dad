namespace LspCopilot.Completion.CodeActions;

/// <summary>One action the lightbulb lists: its id (in the action's <c>data</c>), title, LSP kind and the task the model is given.</summary>
public sealed record CodeActionDefinition(string Id, string Title, string Kind, string Task)
{
    /// <summary>True for the actions that propose an edit (all but Explain).</summary>
    public bool IsEdit => Id != CodeActionCatalog.Explain;
}

/// <summary>The code actions the server offers, by id; listing them costs no model call.</summary>
public static class CodeActionCatalog
{
    /// <summary>The kind of every action but the quick fix (a sub-kind of <c>refactor.rewrite</c>, so editors file it under Refactor).</summary>
    public const string RewriteKind = "refactor.rewrite.lspcopilot";

    public const string QuickFixKind = "quickfix";

    public const string Explain = "explain";
    public const string Simplify = "simplify";
    public const string GuardClauses = "guard-clauses";
    public const string LinqOrLoop = "linq-or-loop";
    public const string Instructions = "instructions";
    public const string FixError = "fix-error";

    /// <summary>Appended to the titles of edits that are not compile-checked (documents in languages other than C#).</summary>
    public const string NotCompileChecked = " (not compile-checked)";

    public static IReadOnlyList<string> Kinds { get; } = [QuickFixKind, RewriteKind];

    /// <summary>Listed for every selection, in this order.</summary>
    public static IReadOnlyList<CodeActionDefinition> Selection { get; } =
    [
        new(Explain, "Explain this code", RewriteKind, "Explain what this code does."),
        new(Simplify, "Refactor: simplify", RewriteKind,
            "Simplify this code: make it shorter and clearer without changing what it does."),
        new(GuardClauses, "Refactor: add null checks / guard clauses", RewriteKind,
            "Add null checks and guard clauses: validate the inputs at the start (throw or return early) and keep the behaviour for valid inputs."),
        new(LinqOrLoop, "Refactor: convert to LINQ / loop", RewriteKind,
            "If this code uses loops, rewrite them as LINQ queries; if it uses LINQ, rewrite it as plain loops. Keep what it does."),
        new(Instructions, "Refactor with instructions…", RewriteKind, string.Empty),
    ];

    /// <summary>Listed once per compiler diagnostic in the range.</summary>
    public static CodeActionDefinition Fix { get; } = new(FixError, "Fix this error (LspCopilot)", QuickFixKind,
        "Fix this compiler error, changing as little as possible.");

    public static CodeActionDefinition? Find(string? id) =>
        id == FixError ? Fix : Selection.FirstOrDefault(a => a.Id == id);

    /// <summary>
    /// True when an action of <paramref name="kind"/> answers a request limited to <paramref name="only"/>
    /// (LSP's <c>context.only</c>: a kind matches itself and its sub-kinds, so "refactor" takes "refactor.rewrite.lspcopilot").
    /// </summary>
    public static bool Matches(string kind, IReadOnlyList<string>? only) =>
        only is null || only.Count == 0 || only.Any(o => kind == o || kind.StartsWith(o + ".", StringComparison.Ordinal));
}
