namespace LspCopilot.Engine.Models;

public enum DownloadFailure
{
    /// <summary>Could not connect, or the transfer kept breaking: the partial file is kept for the next try.</summary>
    Network,
    NotFound,

    /// <summary>401/403: gated or private repository, or a wrong token.</summary>
    Refused,
    ChecksumMismatch,
    NotGguf,
    Busy,
    DiskFull,
    Protocol,
}

/// <summary>A download failed; the message says why and what to do next.</summary>
public sealed class DownloadException : Exception
{
    public DownloadException(DownloadFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public DownloadException()
    {
    }

    public DownloadException(string message)
        : base(message)
    {
    }

    public DownloadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public DownloadFailure Failure { get; }
}
