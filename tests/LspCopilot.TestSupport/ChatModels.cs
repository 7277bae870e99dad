using LspCopilot.Engine.Models;

namespace LspCopilot.TestSupport;

/// <summary>
/// Tiny chat models for tests: the shared stories model's weights with some byte tokens renamed to a chat family's
/// control tokens (from id 3 on) and a <c>tokenizer.chat_template</c>, so the template path runs through llama.cpp for
/// real. The model was never tuned on chats: tests assert the plumbing, never what it writes.
/// </summary>
public static class ChatModels
{
    /// <summary>The ChatML template as Qwen and many others ship it.</summary>
    public const string ChatMLTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public static readonly string[] ChatMLMarkers = ["<|im_start|>", "<|im_end|>"];

    /// <summary>Llama 3's turn markers, for a template llama.cpp cannot recognise on a llama model.</summary>
    public static readonly string[] Llama3Markers = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];

    /// <summary>Id of the first marker.</summary>
    public const int FirstMarkerId = 3;

    /// <summary>The stories model's id of ".", which it writes in almost every sentence.</summary>
    public const int FullStopId = 426;

    /// <summary>Writes the stories model with <paramref name="markers"/> as control tokens and <paramref name="template"/> (none when null).</summary>
    public static string Write(TempFolder folder, string? template, IReadOnlyList<string> markers, string fileName = "chat.gguf") =>
        Write(folder, template, markers.Select((m, i) => (FirstMarkerId + i, m)).ToDictionary(), fileName);

    /// <summary>Writes the stories model with the tokens of <paramref name="controls"/> renamed to control tokens.</summary>
    public static string Write(TempFolder folder, string? template, IReadOnlyDictionary<int, string> controls, string fileName)
    {
        var writer = GgufWriter.CopyOf(TestModels.Require(TestModels.Stories));
        var tokens = ((GgufArray)writer.Get("tokenizer.ggml.tokens")!.Value).Items!.ToArray();
        var types = ((GgufArray)writer.Get("tokenizer.ggml.token_type")!.Value).Items!.ToArray();
        foreach (var (id, marker) in controls)
        {
            tokens[id] = marker;
            types[id] = 3;
        }

        writer.SetArray("tokenizer.ggml.tokens", GgufValueType.String, tokens);
        writer.SetArray("tokenizer.ggml.token_type", GgufValueType.Int32, types);
        if (template is not null)
        {
            writer.Set("tokenizer.chat_template", template);
        }

        var path = folder.File(fileName);
        writer.WriteTo(path);
        return path;
    }

    /// <summary>The stories model with ChatML's markers and template.</summary>
    public static string ChatML(TempFolder folder) => Write(folder, ChatMLTemplate, ChatMLMarkers, "chatml.gguf");

    /// <summary>
    /// The ChatML model at one path per machine, written once: a worker measures the CPU builds once per model file
    /// (path, size and time), so tests that start workers on it pay that once, not once per test.
    /// </summary>
    public static string SharedChatML()
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lspcopilot-test-models");
        var path = System.IO.Path.Combine(folder, "chatml.gguf");
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(folder);
        using var scratch = new TempFolder();
        var written = ChatML(scratch);
        try
        {
            File.Move(written, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another test wrote it first.
        }

        return path;
    }
}
