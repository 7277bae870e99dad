namespace LspCopilot.Engine.Models;

/// <summary>Bytes on disk so far (<see cref="Received"/>), of <see cref="Total"/> when the server said.</summary>
public readonly record struct DownloadProgress(long Received, long? Total, long ResumedFrom);

/// <summary>A finished download. <see cref="VerifiedWith"/> names where the checked SHA-256 came from, or is null when none was available.</summary>
public sealed record DownloadResult(string Path, long Bytes, string? Sha256, string? VerifiedWith, bool AlreadyPresent, long ResumedFrom);
