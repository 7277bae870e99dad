using LLama.Native;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Engine.Chat;

/// <summary>How code actions will talk to a model, read from its GGUF without loading the weights (for <c>model info</c>).</summary>
/// <param name="Layout">The chat layout explanations use: "chat template (chatml)", "plain".</param>
/// <param name="Reason">Why, as the server's log says it when the model loads.</param>
/// <param name="Refactor">The layout refactors use: the chat layout, or fill-in-the-middle for a FIM model without a chat template.</param>
public sealed record ChatLayoutReport(string Layout, string Reason, string Refactor)
{
    /// <summary>The layout the engine would choose for <paramref name="model"/> with <c>--chat-template <paramref name="option"/></c>; null (and why) when llama.cpp cannot be loaded here.</summary>
    public static ChatLayoutReport? For(ModelFacts model, string option, out string? unavailable)
    {
        unavailable = null;
        var lines = new StringWriter();
        ChatFormat format;
        try
        {
            var vocabulary = (model.Gguf.GetArray("tokenizer.ggml.tokens")?.Items ?? []).OfType<string>().ToHashSet(StringComparer.Ordinal);

            // A marker counts as one token when the vocabulary has it spelled whole (as a control token is).
            LLamaToken[] Tokenize(string text) => vocabulary.Contains(text) ? [new LLamaToken()] : [new LLamaToken(), new LLamaToken()];
            format = ChatFormats.Choose(option, model.Gguf.GetString("tokenizer.chat_template"), model.Architecture, Tokenize, Path.GetFileName(model.Path), new ServerLog(LogLevel.Info, lines));
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or LLama.Exceptions.RuntimeError)
        {
            unavailable = $"llama.cpp could not be loaded to read the chat template ({ex.GetBaseException().Message})";
            return null;
        }

        var reason = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
        var colon = reason.IndexOf("] ", StringComparison.Ordinal);
        reason = colon >= 0 ? reason[(colon + 2)..].Trim() : reason.Trim();
        var refactor = model.Fim.HasFim && format is PlainChatFormat
            ? "fill-in-the-middle (the model's FIM tokens, the code to rewrite as the middle)"
            : format.Layout;
        return new ChatLayoutReport(format.Layout, reason, refactor);
    }
}
