using System.Text;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Engine.Chat;

/// <summary>
/// The layout for models without a chat template (base and code models): Alpaca's instruction/response sections,
/// which most instruction data has taught models to follow. The system message comes first as plain text; the
/// reply ends at the model's end-of-generation token or where it starts a new instruction section.
/// </summary>
internal sealed class PlainChatFormat : ChatFormat
{
    public const string Instruction = "### Instruction:\n";
    public const string Response = "### Response:\n";

    public static PlainChatFormat Instance { get; } = new();

    public override string Layout => "plain";

    public override string Render(IReadOnlyList<ChatMessage> messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            text.Append(message.Role switch
            {
                ChatMessage.System => string.Empty,
                ChatMessage.Assistant => Response,
                _ => Instruction,
            });
            text.Append(message.Content).Append("\n\n");
        }

        return text.Append(Response).ToString();
    }

    public override int? FindEnd(string reply)
    {
        var next = reply.IndexOf("### Instruction:", StringComparison.Ordinal);
        return next < 0 ? null : reply.AsSpan(0, next).TrimEnd().Length;
    }
}
