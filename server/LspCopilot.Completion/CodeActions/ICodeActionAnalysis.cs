using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// What code actions need to know of a document's language: its compiler diagnostics, the code an empty
/// selection stands for, context for the prompt, and the check a proposal must pass. The Roslyn provider
/// answers for C# (Context); <see cref="TextCodeActionAnalysis"/> for every other language.
/// </summary>
public interface ICodeActionAnalysis
{
    /// <summary>True when proposals for this document are compile-checked (C#).</summary>
    bool Compiles(DocumentSnapshot document);

    /// <summary>The compiler's errors and warnings that touch <paramref name="span"/> (or hold it, when empty); none for other languages.</summary>
    Task<IReadOnlyList<CodeDiagnostic>> DiagnosticsAsync(DocumentSnapshot document, TextSpan span, CancellationToken cancellationToken);

    /// <summary>The span a code action works on: the selection, or what an empty selection stands for (the enclosing member); null when there is none.</summary>
    Task<TextSpan?> TargetAsync(DocumentSnapshot document, TextSpan selection, CancellationToken cancellationToken);

    /// <summary>Context for the prompt about <paramref name="span"/> (signatures it uses, the enclosing type's outline, diagnostics in it), within the completion budgets; null when there is none.</summary>
    Task<string?> ContextAsync(DocumentSnapshot document, TextSpan span, CancellationToken cancellationToken);

    /// <summary>
    /// Starts checking proposals that replace <paramref name="span"/>; <paramref name="mustFix"/> is the diagnostic a
    /// fix must remove. Throws <see cref="CodeActionException"/> when that diagnostic is no longer reported.
    /// </summary>
    Task<IProposalCheck> BeginCheckAsync(DocumentSnapshot document, TextSpan span, CodeDiagnostic? mustFix, CancellationToken cancellationToken);
}

/// <summary>The check of proposals for one span of one document snapshot (the state before is computed once).</summary>
public interface IProposalCheck
{
    /// <summary>True when <paramref name="text"/>, with no fence around it, parses as the code being replaced (never for languages the server cannot parse).</summary>
    bool IsCode(string text);

    /// <summary>Applies the proposal to a copy of the document and says what it does to the build.</summary>
    Task<ProposalVerdict> CheckAsync(string proposal, CancellationToken cancellationToken);
}

/// <summary>
/// A proposal applied: the document's whole text after it (formatted, for C#), whether it was compile-checked,
/// the errors it adds (over every document of the project and those that depend on it), and for a fix whether
/// the diagnostic is gone.
/// </summary>
public sealed record ProposalVerdict(string NewText, bool Checked, IReadOnlyList<string> AddedErrors)
{
    /// <summary>For "Fix this error": true when the diagnostic is gone; null for other actions.</summary>
    public bool? Fixed { get; init; }

    public bool Clean => AddedErrors.Count == 0 && Fixed != false;
}
