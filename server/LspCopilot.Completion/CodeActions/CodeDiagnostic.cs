using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>A compiler diagnostic of a document, as the code actions see it: id (CS0103), message, severity and where.</summary>
public sealed record CodeDiagnostic(string Id, string Message, bool IsError, TextSpan Span)
{
    public override string ToString() => $"{Id}: {Message}";
}
