using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion;

/// <summary>An immutable view of an open document, captured when a request starts.</summary>
public sealed record DocumentSnapshot(string Uri, string LanguageId, int Version, SourceText Text)
{
    /// <summary>True after an edit could not be applied: the text may differ from the editor's until a full resync.</summary>
    public bool Divergent { get; init; }

    /// <summary>The LSP session that owns the document: requests from different editors never supersede each other.</summary>
    public string Session { get; init; } = string.Empty;
}
