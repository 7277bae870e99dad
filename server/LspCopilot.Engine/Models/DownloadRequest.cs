namespace LspCopilot.Engine.Models;

/// <summary>One file to fetch into <see cref="TargetPath"/> (through <c>TargetPath.partial</c>).</summary>
public sealed record DownloadRequest(Uri Url, string TargetPath)
{
    /// <summary>The SHA-256 the user vouches for (--sha256); wins over anything the server says.</summary>
    public string? ExpectedSha256 { get; init; }

    /// <summary>A SHA-256 known in advance (the default model's), used when the server sends none.</summary>
    public string? KnownSha256 { get; init; }

    /// <summary>Sent as a bearer token to the first host only (never across a redirect to a CDN).</summary>
    public string? BearerToken { get; init; }

    /// <summary>Further attempts after an interrupted transfer, each resuming where the last stopped.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>Wait before the first retry; doubled for each further one (capped at 30 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A transfer that delivers no byte for this long is treated as interrupted.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
