using System.Runtime.InteropServices;
using System.Text;
using LLama;
using LLama.Exceptions;
using LLama.Native;
using LspCopilot.Completion.Chat;

namespace LspCopilot.Engine.Chat;

/// <summary>
/// llama.cpp's chat template support (no Jinja: a fixed list of families it knows by name, and recognises in a GGUF's
/// template text by telltale markers). Needs the native library loaded.
/// </summary>
internal static class LlamaChatTemplates
{
    // Every role, two user turns and spaces to trim, so that families that differ anywhere render differently.
    private static readonly ChatMessage[] s_probe =
    [
        new(ChatMessage.System, " S "),
        new(ChatMessage.User, " U1 "),
        new(ChatMessage.Assistant, " A1 "),
        new(ChatMessage.User, "U2"),
    ];

    /// <summary>The names of the templates this llama.cpp build knows (chatml, llama3, gemma, …).</summary>
    public static unsafe IReadOnlyList<string> BuiltinNames()
    {
        var count = NativeApi.llama_chat_builtin_templates(null, 0);
        var names = new IntPtr[Math.Max(0, count)];
        fixed (IntPtr* output = names)
        {
            NativeApi.llama_chat_builtin_templates((char**)output, (nuint)names.Length);
        }

        return [.. names.Select(p => Marshal.PtrToStringUTF8(p) ?? string.Empty).Where(n => n.Length > 0)];
    }

    /// <summary>The messages written out by <paramref name="template"/> (a name or a GGUF template text) up to the assistant's turn; null when llama.cpp does not know it.</summary>
    public static string? Apply(string template, IReadOnlyList<ChatMessage> messages)
    {
        var chat = new LLamaTemplate(template) { AddAssistant = true };
        foreach (var message in messages)
        {
            chat.Add(message.Role, message.Content);
        }

        try
        {
            return Encoding.UTF8.GetString(chat.Apply());
        }
        catch (MissingTemplateException)
        {
            return null;
        }
    }

    /// <summary>
    /// The built-in template that writes a conversation exactly as <paramref name="templateText"/> does in llama.cpp (which
    /// recognises the text by its markers), or null when llama.cpp does not recognise the text.
    /// </summary>
    public static string? Recognise(string templateText, IReadOnlyList<string> builtins)
    {
        if (Apply(templateText, s_probe) is not { } expected)
        {
            return null;
        }

        return builtins.FirstOrDefault(name => string.Equals(Apply(name, s_probe), expected, StringComparison.Ordinal));
    }
}
