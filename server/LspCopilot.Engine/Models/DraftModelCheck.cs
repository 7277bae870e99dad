namespace LspCopilot.Engine.Models;

/// <summary>
/// What <c>doctor</c> can say about a draft model (<c>--draft-model</c>) from the two GGUF headers, without loading either:
/// whether its token list is the model's. Loading checks again, token by token, through llama.cpp.
/// </summary>
public static class DraftModelCheck
{
    /// <summary>Null when the token lists are the same, else what differs (or why the file cannot be read), in words.</summary>
    public static string? VocabularyDifference(string modelPath, string draftPath)
    {
        try
        {
            var model = GgufReader.Read(modelPath);
            var draft = GgufReader.Read(draftPath);
            foreach (var key in new[] { "tokenizer.ggml.tokens", "tokenizer.ggml.token_type" })
            {
                var a = model.GetArray(key);
                var b = draft.GetArray(key);
                if (a?.Count != b?.Count)
                {
                    return $"{key} has {b?.Count ?? 0} entries, the model's {a?.Count ?? 0}";
                }

                if (a?.Items is { } left && b?.Items is { } right && left.Zip(right).Select((pair, i) => (pair, i)).FirstOrDefault(p => !Equals(p.pair.First, p.pair.Second)) is { pair.First: not null } mismatch)
                {
                    return $"{key}[{mismatch.i}] is '{mismatch.pair.Second}', the model's '{mismatch.pair.First}'";
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or GgufFormatException)
        {
            return $"it cannot be read: {ex.Message}";
        }
    }
}
