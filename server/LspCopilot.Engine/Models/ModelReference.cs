using System.Text.RegularExpressions;

namespace LspCopilot.Engine.Models;

/// <summary>
/// A file in a Hugging Face style repository: <c>owner/name</c>, a revision and a path inside it.
/// Validated so that neither the URL nor the cache path can escape (no "..", no backslashes).
/// </summary>
public sealed partial record ModelReference(string Repository, string File, string Revision = "main")
{
    public const string PublicHub = "https://huggingface.co";

    public string Owner => Repository[..Repository.IndexOf('/', StringComparison.Ordinal)];

    public string Name => Repository[(Repository.IndexOf('/', StringComparison.Ordinal) + 1)..];

    public IReadOnlyList<string> FileSegments => File.Split('/');

    /// <summary>Validates user input; throws <see cref="ArgumentException"/> with a message that says what is wrong.</summary>
    public static ModelReference Parse(string repository, string file, string? revision = null)
    {
        repository = repository.Trim();
        file = file.Trim();
        if (!RepositoryPattern().IsMatch(repository) || repository.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{repository}' is not a repository name: use OWNER/NAME as on the hub, e.g. ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF.");
        }

        if (file.Length == 0 || file.StartsWith('/') || file.Contains('\\', StringComparison.Ordinal) || file.Any(char.IsControl) || file.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{file}' is not a file path inside a repository: use the name shown in the repository's file list, e.g. qwen2.5-coder-1.5b-q8_0.gguf.");
        }

        if (file.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"'{file}' has an empty, '.' or '..' path segment; use the file's path inside the repository.");
        }

        revision = string.IsNullOrWhiteSpace(revision) ? "main" : revision.Trim();
        if (!RevisionPattern().IsMatch(revision) || revision.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{revision}' is not a branch, tag or commit name.");
        }

        return new ModelReference(repository, file, revision);
    }

    /// <summary>The download URL: <c>ENDPOINT/OWNER/NAME/resolve/REVISION/FILE</c>.</summary>
    public Uri DownloadUrl(Uri endpoint)
    {
        var path = string.Join('/', FileSegments.Select(Uri.EscapeDataString));
        var root = endpoint.AbsoluteUri.TrimEnd('/');
        return new Uri($"{root}/{Uri.EscapeDataString(Owner)}/{Uri.EscapeDataString(Name)}/resolve/{Uri.EscapeDataString(Revision)}/{path}");
    }

    /// <summary>--endpoint, else $HF_ENDPOINT, else the public hub; must be an absolute http(s) URL.</summary>
    public static Uri ResolveEndpoint(string? option)
    {
        var text = !string.IsNullOrWhiteSpace(option) ? option : Environment.GetEnvironmentVariable("HF_ENDPOINT");
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Uri(PublicHub);
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The endpoint '{text}' is not an http(s) URL (from {(string.IsNullOrWhiteSpace(option) ? "HF_ENDPOINT" : "--endpoint")}).");
        }

        return uri;
    }

    public override string ToString() => $"{Repository}/{File}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")]
    private static partial Regex RevisionPattern();
}
