namespace LspCopilot.Completion.Languages;

/// <summary>How a language marks its blocks, which decides the stop rules of a multi-line suggestion.</summary>
public enum BlockSyntax
{
    /// <summary>Blocks are bracketed (<c>{ }</c>, <c>[ ]</c>, <c>( )</c>): C, Go, TypeScript, JSON, ….</summary>
    Brackets,

    /// <summary>Blocks are indented (Python, YAML): brackets still balance within a statement.</summary>
    Indentation,
}

/// <summary>
/// What the text rules need to know of a language: its block syntax, and enough of its lexis (comments,
/// string quotes) to count brackets only in code.
/// </summary>
/// <param name="Name">The LSP language id this rule was found for, for logs.</param>
/// <param name="Blocks">Brackets or indentation.</param>
/// <param name="LineComment">The line comment marker (<c>//</c>, <c>#</c>, <c>--</c>); null when the language has none (JSON).</param>
/// <param name="BlockComments">True when <c>/* … */</c> is a comment.</param>
/// <param name="Quotes">The characters that open and close a string (a backslash escapes inside).</param>
public sealed record LanguageRule(string Name, BlockSyntax Blocks, string? LineComment, bool BlockComments, string Quotes);
