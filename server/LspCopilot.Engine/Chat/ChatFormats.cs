using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Chat;

/// <summary>
/// Chooses how a model's chats are laid out (<see cref="EngineOptions.ChatTemplate"/>): a forced llama.cpp template or
/// plain; else the GGUF's <c>tokenizer.chat_template</c> when llama.cpp recognises it; else, for a template it does not
/// recognise, the family the architecture and vocabulary show (only when the family's turn markers are whole tokens of
/// the vocabulary, so a guess never writes markers the model cannot read); else the plain layout. A model without a
/// template gets the plain layout: it was not tuned on any.
/// </summary>
internal static class ChatFormats
{
    private sealed record Family(string Template, string[] Architectures, string[] Markers);

    private static readonly Family[] s_families =
    [
        new("chatml", ["qwen2", "qwen2moe", "qwen2vl", "qwen3", "qwen3moe"], ["<|im_start|>", "<|im_end|>"]),
        new("llama3", ["llama"], ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]),
        new("gemma", ["gemma", "gemma2", "gemma3"], ["<start_of_turn>", "<end_of_turn>"]),
        new("phi3", ["phi3"], ["<|user|>", "<|assistant|>", "<|end|>"]),
        new("command-r", ["command-r", "cohere2"], ["<|START_OF_TURN_TOKEN|>", "<|USER_TOKEN|>", "<|CHATBOT_TOKEN|>"]),
        new("granite", ["granite", "granitemoe"], ["<|start_of_role|>", "<|end_of_role|>"]),
    ];

    /// <param name="templateText">The GGUF's <c>tokenizer.chat_template</c>, null when it has none.</param>
    /// <param name="tokenize">Tokenizes with control tokens parsed (to check a family's markers).</param>
    public static ChatFormat Choose(string option, string? templateText, string? architecture, Func<string, LLamaToken[]> tokenize, string modelName, ServerLog log)
    {
        var builtins = LlamaChatTemplates.BuiltinNames();
        if (option == "plain")
        {
            log.Info($"{modelName}: chats use the plain layout (--chat-template plain).");
            return PlainChatFormat.Instance;
        }

        if (option != "auto")
        {
            if (builtins.Contains(option))
            {
                log.Info($"{modelName}: chats use the chat template {option} (--chat-template).");
                return new TemplateChatFormat(option);
            }

            log.Error($"--chat-template {option} is not a template this llama.cpp knows (it knows plain, {string.Join(", ", builtins)}); choosing one from the model instead.");
        }

        if (templateText is null)
        {
            log.Info($"{modelName}: no chat template in the GGUF; chats use the plain layout.");
            return PlainChatFormat.Instance;
        }

        if (LlamaChatTemplates.Recognise(templateText, builtins) is { } recognised)
        {
            log.Info($"{modelName}: chats use the GGUF's chat template, which llama.cpp reads as {recognised}.");
            return new TemplateChatFormat(recognised);
        }

        if (FromArchitecture(architecture, tokenize) is { } family && builtins.Contains(family))
        {
            log.Info($"{modelName}: llama.cpp does not recognise the GGUF's chat template; chats use {family}, the template of its architecture ({architecture}).");
            return new TemplateChatFormat(family);
        }

        log.Info($"{modelName}: llama.cpp does not recognise the GGUF's chat template and its architecture ({architecture ?? "unknown"}) does not tell; chats use the plain layout (--chat-template NAME picks one).");
        return PlainChatFormat.Instance;
    }

    /// <summary>The family of <paramref name="architecture"/> whose turn markers are each one token of the vocabulary.</summary>
    internal static string? FromArchitecture(string? architecture, Func<string, LLamaToken[]> tokenize) =>
        s_families.FirstOrDefault(f => f.Architectures.Contains(architecture) && f.Markers.All(m => tokenize(m).Length == 1))?.Template;
}
