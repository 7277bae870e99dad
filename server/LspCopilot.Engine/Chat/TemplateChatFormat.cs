using LspCopilot.Completion.Chat;

namespace LspCopilot.Engine.Chat;

/// <summary>One of llama.cpp's built-in chat templates, by name (<c>llama_chat_apply_template</c>).</summary>
internal sealed class TemplateChatFormat(string name) : ChatFormat
{
    public string Name => name;

    public override string Layout => $"chat template ({name})";

    public override string Render(IReadOnlyList<ChatMessage> messages) =>
        LlamaChatTemplates.Apply(name, messages) ?? throw new InvalidOperationException($"llama.cpp no longer knows the chat template '{name}'.");
}
