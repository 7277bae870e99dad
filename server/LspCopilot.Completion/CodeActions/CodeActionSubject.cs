using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// The code an action works on: the document snapshot, the span (the selection or what an empty one stands
/// for), the language for fences and the analysis' context for the prompt.
/// </summary>
public sealed record CodeActionSubject(DocumentSnapshot Document, TextSpan Span, string LanguageId, string? Context)
{
    public string Code => Document.Text.ToString(Span);

    /// <summary>The document's file name (the last segment of its URI), for the prompt.</summary>
    public string FileName
    {
        get
        {
            var uri = Document.Uri;
            var slash = uri.LastIndexOfAny(['/', '\\']);
            var name = slash >= 0 ? uri[(slash + 1)..] : uri;
            try
            {
                return Uri.UnescapeDataString(name);
            }
            catch (UriFormatException)
            {
                return name;
            }
        }
    }

    /// <summary>1-based line of the span's start (by \n, for the prompt's words only).</summary>
    public int StartLine
    {
        get
        {
            var line = 1;
            for (var i = 0; i < Span.Start && i < Document.Text.Length; i++)
            {
                if (Document.Text[i] == '\n')
                {
                    line++;
                }
            }

            return line;
        }
    }
}
