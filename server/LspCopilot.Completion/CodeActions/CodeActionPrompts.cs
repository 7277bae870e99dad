using System.Text;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// The prompts of code actions, for both layouts: chat messages for models that chat, and fill-in-the-middle
/// requests for models that only complete (a refactor as the middle between the text before and after the span;
/// an explanation as a plain prompt that ends in an explanation header, prefix only).
/// </summary>
public static class CodeActionPrompts
{
    public const string RefactorSystem =
        "You are an expert programmer working inside the user's editor. You change code exactly as asked, keep everything else as it was, and reply with the code in one fenced block.";

    public const string ExplainSystem =
        "You are an expert programmer who explains code to a colleague, clearly and briefly, in Markdown.";

    /// <summary>The header a FIM explanation prompt ends with; the model writes what follows it.</summary>
    public const string ExplanationHeader = "## Explanation";

    /// <summary>The messages that ask a chat model for a refactor of the subject's code.</summary>
    public static IReadOnlyList<ChatMessage> Refactor(CodeActionSubject subject, string task)
    {
        var fence = ReplyCode.FenceLanguage(subject.LanguageId);
        var user = new StringBuilder();
        AppendContext(user, subject);
        user.Append("The code to change, from ").Append(subject.FileName).Append(" (line ").Append(subject.StartLine).Append("):\n");
        AppendFenced(user, fence, subject.Code);
        user.Append("\nTask: ").Append(task.Trim()).Append('\n');
        user.Append("\nReply with the complete replacement for exactly the code shown, in one ```").Append(fence)
            .Append(" fenced block, and nothing after it. Do not add code that is outside it.");
        return [new ChatMessage(ChatMessage.System, RefactorSystem), new ChatMessage(ChatMessage.User, user.ToString())];
    }

    /// <summary>
    /// A refactor through fill-in-the-middle: the text before and after the span, the context (and, in languages
    /// with // comments, the task as a comment line after it); the middle the model writes replaces the span.
    /// </summary>
    public static CompletionRequest RefactorFim(CodeActionSubject subject, string task, GenerationOptions generation)
    {
        var text = subject.Document.Text;
        var context = subject.Context;
        if (UsesSlashComments(subject.LanguageId))
        {
            context = (context ?? string.Empty) + "// Task for the code at line " + subject.StartLine + ": " + OneLine(task) + "\n";
        }

        return new CompletionRequest(
            text.ToString(new Microsoft.CodeAnalysis.Text.TextSpan(0, subject.Span.Start)),
            text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(subject.Span.End, text.Length)),
            CompletionMode.MultiLine)
        {
            Context = context,
            Generation = generation,
            ClientId = subject.Document.Session,
        };
    }

    /// <summary>The first turn of an explanation conversation: the system message and the question about the subject's code.</summary>
    public static IReadOnlyList<ChatMessage> Explain(CodeActionSubject subject, string? question)
    {
        var user = new StringBuilder();
        AppendContext(user, subject);
        user.Append("The code, from ").Append(subject.FileName).Append(" (line ").Append(subject.StartLine).Append("):\n");
        AppendFenced(user, ReplyCode.FenceLanguage(subject.LanguageId), subject.Code);
        user.Append('\n').Append(string.IsNullOrWhiteSpace(question) ? "Explain what this code does." : question.Trim());
        return [new ChatMessage(ChatMessage.System, ExplainSystem), new ChatMessage(ChatMessage.User, user.ToString())];
    }

    /// <summary>
    /// An explanation conversation as one plain prompt for a model that only completes: every turn as text, the
    /// last question followed by <see cref="ExplanationHeader"/>; no suffix.
    /// </summary>
    public static CompletionRequest ExplainFim(IReadOnlyList<ChatMessage> messages, GenerationOptions generation, string? clientId)
    {
        var prompt = new StringBuilder();
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case ChatMessage.System:
                    continue;
                case ChatMessage.Assistant:
                    prompt.Append(ExplanationHeader).Append("\n\n").Append(message.Content.Trim()).Append("\n\n");
                    break;
                default:
                    prompt.Append(message.Content.Trim()).Append("\n\n");
                    break;
            }
        }

        prompt.Append(ExplanationHeader).Append("\n\n");
        return new CompletionRequest(prompt.ToString(), string.Empty, CompletionMode.MultiLine)
        {
            Generation = generation,
            ClientId = clientId,
        };
    }

    /// <summary>A FIM explanation ends where the model starts a new question or header of its own.</summary>
    public static string TrimFimExplanation(string text)
    {
        var cut = text.Length;
        foreach (var marker in new[] { "\n" + ExplanationHeader, "\nThe code, from ", "\nQuestion:" })
        {
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0 && at < cut)
            {
                cut = at;
            }
        }

        return text[..cut].Trim();
    }

    private static void AppendContext(StringBuilder prompt, CodeActionSubject subject)
    {
        if (subject.Context is { Length: > 0 } context)
        {
            prompt.Append("Context from the project:\n");
            AppendFenced(prompt, ReplyCode.FenceLanguage(subject.LanguageId), context.TrimEnd());
            prompt.Append('\n');
        }
    }

    private static void AppendFenced(StringBuilder prompt, string language, string code)
    {
        // A fence longer than any run of backticks in the code, so the code cannot close it.
        var longest = 0;
        var run = 0;
        foreach (var c in code)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', Math.Max(3, longest + 1));
        prompt.Append(fence).Append(language).Append('\n').Append(code.TrimEnd('\r', '\n')).Append('\n').Append(fence).Append('\n');
    }

    private static bool UsesSlashComments(string languageId) => languageId.ToLowerInvariant() is
        "csharp" or "c" or "cpp" or "java" or "javascript" or "typescript" or "javascriptreact" or "typescriptreact"
        or "go" or "rust" or "kotlin" or "swift" or "fsharp" or "dart" or "scala" or "php" or "objective-c";

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
