using System.Text;
using LspCopilot.Completion;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// The "recent" section: the chunks of <see cref="RecentSnippets"/> most similar to the lines before the cursor, fitted
/// whole (never a part of a chunk) into what the semantic sections left of the budget. Written in the model's style —
/// other files for a model with repository-level tokens, else line comments of the document's language — for C# and
/// every other language alike; only chunks of the document's language family count.
/// </summary>
public static class RecentContext
{
    /// <summary>Lines before the cursor whose identifiers are matched against the chunks.</summary>
    public const int QueryLines = RecentSnippets.ChunkLines;

    /// <summary>Characters around the cursor taken to be in the prompt's windows: a chunk of the same document found there is not sent twice.</summary>
    public const int WindowCharsBefore = 8192;

    public const int WindowCharsAfter = 2048;

    /// <summary>Most chunks considered per request.</summary>
    public const int MaxChunks = 4;

    public static async Task<ContextSection?> BuildAsync(
        RecentSnippets recent, DocumentSnapshot document, int offset, ContextStyle style, int budget, ITokenCounter tokenizer, CancellationToken cancellationToken)
    {
        if (budget <= 0)
        {
            return null;
        }

        var text = document.Text;
        var line = text.Lines.GetLineFromPosition(offset).LineNumber;
        var queryStart = text.Lines[Math.Max(0, line - QueryLines)].Start;
        var query = text.ToString(TextSpan.FromBounds(queryStart, offset));
        var window = text.ToString(TextSpan.FromBounds(Math.Max(0, offset - WindowCharsBefore), Math.Min(text.Length, offset + WindowCharsAfter)));
        var chunks = recent.Similar(query, document.Uri, window, MaxChunks, document.LanguageId);
        if (chunks.Count == 0)
        {
            return null;
        }

        var rendered = chunks.Select(c => Render(style, document.LanguageId, c)).ToList();
        var counts = await tokenizer.CountTokensAsync(rendered, cancellationToken).ConfigureAwait(false);
        var kept = new StringBuilder();
        var tokens = 0;
        for (var i = 0; i < rendered.Count && i < counts.Count; i++)
        {
            if (tokens + counts[i] <= budget)
            {
                kept.Append(rendered[i]);
                tokens += counts[i];
            }
        }

        if (kept.Length == 0)
        {
            return null;
        }

        // Tokens may merge across chunk boundaries: the section's cost is its own count.
        var whole = kept.ToString();
        var wholeCount = (await tokenizer.CountTokensAsync([whole], cancellationToken).ConfigureAwait(false)) is [var n] ? n : tokens;
        return wholeCount <= budget ? new ContextSection(RecentSnippets.SectionName, whole, wholeCount) : null;
    }

    /// <summary>One chunk: a file of the repository (its file name as the path), or a comment block titled with it.</summary>
    public static string Render(ContextStyle style, string languageId, RecentChunk chunk)
    {
        var name = FileName(chunk.Uri);
        var lines = chunk.Text.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd('\r'));
        if (style.WritesFiles)
        {
            return ContextRenderer.Render(style, name, lines);
        }

        var comment = LineComment(languageId, chunk.Uri);
        var sb = new StringBuilder();
        sb.Append(comment).Append(" Recently edited: ").Append(name).Append(" (line ").Append(chunk.StartLine + 1).Append(")\n");
        foreach (var l in lines)
        {
            sb.Append(comment).Append(' ').Append(l).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The line comment of a language (by LSP language id, else the file's extension): <c>//</c>, <c>#</c> or <c>--</c>.</summary>
    public static string LineComment(string languageId, string uri)
    {
        var id = languageId.ToLowerInvariant();
        var ext = Path.GetExtension(FileName(uri)).ToLowerInvariant();
        if (id is "python" or "shellscript" or "ruby" or "perl" or "r" or "yaml" or "toml" or "makefile" or "dockerfile" or "powershell" or "elixir" or "julia" or "coffeescript"
            || ext is ".py" or ".sh" or ".rb" or ".pl" or ".r" or ".yaml" or ".yml" or ".toml" or ".ps1" or ".ex" or ".exs" or ".jl")
        {
            return "#";
        }

        return id is "sql" or "lua" or "haskell" || ext is ".sql" or ".lua" or ".hs" ? "--" : "//";
    }

    private static string FileName(string uri)
    {
        var last = uri.TrimEnd('/');
        return Uri.UnescapeDataString(last[(last.LastIndexOf('/') + 1)..]);
    }
}
