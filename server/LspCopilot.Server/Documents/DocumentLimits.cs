using System.Globalization;

namespace LspCopilot.Server.Documents;

/// <summary>
/// How much text open documents may hold, counted as UTF-16 (two bytes a character): per session (one
/// editor) and per server process (every session a TCP server runs, together). A document past either
/// bound is refused with a message and the others keep being served. The defaults hold hundreds of
/// ordinary source files; the command line raises them.
/// </summary>
public sealed record DocumentLimits(long SessionBytes, long ServerBytes)
{
    public const int DefaultSessionMegabytes = 64;

    public const int DefaultServerMegabytes = 256;

    /// <summary>The command-line options that set the bounds, in MiB (named in the message a refused document gets).</summary>
    public const string SessionOption = "--max-session-documents-mb";

    public const string ServerOption = "--max-server-documents-mb";

    public static DocumentLimits Default { get; } = FromMegabytes(DefaultSessionMegabytes, DefaultServerMegabytes);

    public static DocumentLimits FromMegabytes(int session, int server) => new(session * 1024L * 1024L, server * 1024L * 1024L);

    /// <summary>What a text of <paramref name="length"/> UTF-16 characters counts against the bounds.</summary>
    public static long BytesOf(int length) => length * 2L;

    public static string Describe(long bytes) => bytes < 1024 * 1024
        ? (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB"
        : (bytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";
}
