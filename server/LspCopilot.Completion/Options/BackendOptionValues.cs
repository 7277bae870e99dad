namespace LspCopilot.Completion;

/// <summary>Parses and checks the backend options the same way for the command line and for initializationOptions.</summary>
public static class BackendOptionValues
{
    public static bool TryNormalizeKind(string? text, out string kind, out string? error)
    {
        kind = text?.Trim().ToLowerInvariant() ?? string.Empty;
        if (kind is "llama.cpp" or "llamacpp" or "llama_server")
        {
            kind = BackendOptions.LlamaServer;
        }

        error = BackendOptions.Names.Contains(kind) ? null : $"--backend '{text}' is unknown: use {string.Join(", ", BackendOptions.Names)}.";
        return error is null;
    }

    /// <summary>An absolute http or https URL without query or fragment; the trailing slash is dropped.</summary>
    public static bool TryNormalizeEndpoint(string? text, out string endpoint, out string? error)
    {
        endpoint = string.Empty;
        error = null;
        var trimmed = text?.Trim() ?? string.Empty;
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"--endpoint '{text}' is not an http:// or https:// URL (e.g. http://127.0.0.1:8080).";
            return false;
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            error = $"--endpoint '{text}' must be a base URL without a query, fragment or user name (put a key in --api-key-file).";
            return false;
        }

        endpoint = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return true;
    }

    public static bool TryNormalizeFimTemplate(string? text, out string template, out string? error)
    {
        template = string.Empty;
        if (FimTextTemplates.Find(text) is { } found)
        {
            template = found.Name;
            error = null;
            return true;
        }

        error = $"--fim-template '{text}' is unknown: use {string.Join(", ", FimTextTemplates.Names)}.";
        return false;
    }

    public static bool TryNormalizeRemoteModel(string? text, out string model, out string? error)
    {
        model = text?.Trim() ?? string.Empty;
        error = model.Length is > 0 and <= 256 && !model.Any(char.IsControl) ? null : $"--remote-model '{text}' is not a model name.";
        return error is null;
    }
}
