namespace LspCopilot.Completion.CodeActions;

/// <summary>A fenced code block of a Markdown reply: its info string's first word (the language) and its content.</summary>
public sealed record FencedBlock(string Language, string Code);

/// <summary>
/// The code to apply from a chat reply, which is prose around code: the first fenced block in the document's
/// language, else the first fenced block, else the whole reply when it parses as the code being replaced.
/// Thinking (<see cref="ReasoningText"/>) is removed first, so it never reaches an edit; prose is never applied.
/// </summary>
public static class ReplyCode
{
    private static readonly Dictionary<string, string[]> s_aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["csharp"] = ["csharp", "cs", "c#"],
        ["fsharp"] = ["fsharp", "fs", "f#"],
        ["javascript"] = ["javascript", "js", "jsx", "javascriptreact"],
        ["javascriptreact"] = ["javascript", "js", "jsx", "javascriptreact"],
        ["typescript"] = ["typescript", "ts", "tsx", "typescriptreact"],
        ["typescriptreact"] = ["typescript", "ts", "tsx", "typescriptreact"],
        ["python"] = ["python", "py", "python3"],
        ["cpp"] = ["cpp", "c++", "cc", "cxx", "hpp"],
        ["shellscript"] = ["shellscript", "bash", "sh", "shell", "zsh"],
        ["rust"] = ["rust", "rs"],
        ["go"] = ["go", "golang"],
        ["powershell"] = ["powershell", "ps1", "pwsh"],
        ["ruby"] = ["ruby", "rb"],
        ["kotlin"] = ["kotlin", "kt"],
        ["yaml"] = ["yaml", "yml"],
        ["markdown"] = ["markdown", "md"],
    };

    /// <summary>
    /// The code of <paramref name="reply"/> for a document in <paramref name="languageId"/>.
    /// <paramref name="parsesAsTarget"/> says whether text with no fence parses as the code being replaced
    /// (null: the language cannot tell, so an unfenced reply is never taken).
    /// </summary>
    /// <exception cref="CodeActionException">The reply holds no code; the message quotes its first line.</exception>
    public static string Extract(string reply, string languageId, Func<string, bool>? parsesAsTarget)
    {
        var (answer, _) = ReasoningText.Split(reply);
        var blocks = FencedBlocks(answer, out var unclosed);
        var block = blocks.FirstOrDefault(b => IsLanguage(b.Language, languageId)) ?? blocks.FirstOrDefault();
        if (block is not null && block.Code.Trim().Length > 0)
        {
            return block.Code;
        }

        var whole = answer.Trim();
        if (whole.Length > 0 && !unclosed && parsesAsTarget?.Invoke(whole) == true)
        {
            return whole;
        }

        if (whole.Length == 0)
        {
            throw new CodeActionException(reply.Trim().Length == 0
                ? "The model's reply was empty: there is no code to apply."
                : "The model's reply was all reasoning, with no code to apply.");
        }

        if (unclosed)
        {
            throw new CodeActionException($"The model's reply was cut off inside its code block, so there is no complete code to apply (it begins: \"{FirstLine(whole)}\"). Raise maxTokens or select less code.");
        }

        throw new CodeActionException($"The model's reply has no code to apply; it begins: \"{FirstLine(whole)}\"");
    }

    /// <summary>The fenced blocks (``` or ~~~, three or more, indented at most three spaces) in order; <paramref name="unclosed"/> when the last one never closes.</summary>
    public static IReadOnlyList<FencedBlock> FencedBlocks(string text, out bool unclosed)
    {
        var blocks = new List<FencedBlock>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        unclosed = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!IsFence(lines[i], out var fenceChar, out var fenceLength, out var info))
            {
                continue;
            }

            var end = -1;
            for (var j = i + 1; j < lines.Length; j++)
            {
                if (IsFence(lines[j], out var c, out var length, out var rest) && c == fenceChar && length >= fenceLength && rest.Length == 0)
                {
                    end = j;
                    break;
                }
            }

            if (end < 0)
            {
                unclosed = true;
                break;
            }

            var language = info.Split([' ', '\t', '{', ','], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
            blocks.Add(new FencedBlock(language, string.Join('\n', lines[(i + 1)..end])));
            i = end;
        }

        return blocks;
    }

    /// <summary>True when a fence's language names <paramref name="languageId"/> (an LSP language id) or one of its usual aliases.</summary>
    public static bool IsLanguage(string fenceLanguage, string languageId)
    {
        if (fenceLanguage.Length == 0)
        {
            return false;
        }

        return fenceLanguage.Equals(languageId, StringComparison.OrdinalIgnoreCase)
            || s_aliases.TryGetValue(languageId, out var aliases) && aliases.Contains(fenceLanguage, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The fence language to write for a document (csharp for C#, else the language id).</summary>
    public static string FenceLanguage(string languageId) => languageId.Length == 0 ? string.Empty : languageId.ToLowerInvariant();

    private static bool IsFence(string line, out char fenceChar, out int length, out string info)
    {
        fenceChar = '\0';
        length = 0;
        info = string.Empty;
        var indent = 0;
        while (indent < line.Length && indent < 4 && line[indent] == ' ')
        {
            indent++;
        }

        if (indent > 3 || indent >= line.Length || line[indent] is not ('`' or '~'))
        {
            return false;
        }

        fenceChar = line[indent];
        var at = indent;
        while (at < line.Length && line[at] == fenceChar)
        {
            at++;
        }

        length = at - indent;
        info = line[at..].Trim();
        // A backtick fence's info string may not hold backticks (that is inline code).
        return length >= 3 && !(fenceChar == '`' && info.Contains('`', StringComparison.Ordinal));
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).First(l => l.Length > 0);
        return line.Length <= 120 ? line : line[..117] + "...";
    }
}
