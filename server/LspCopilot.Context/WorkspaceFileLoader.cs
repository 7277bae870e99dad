using LspCopilot.Completion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context;

/// <summary>
/// Reads a scanned source file when Roslyn first wants its text, which may be long after the scan:
/// if by then it is no longer a regular file (a FIFO would block the compilation forever) or has grown
/// past the size cap, the document is empty instead.
/// </summary>
internal sealed class WorkspaceFileLoader(string path, long maxBytes) : TextLoader
{
    public override Task<TextAndVersion> LoadTextAndVersionAsync(LoadTextOptions options, CancellationToken cancellationToken) =>
        Task.FromResult(Load(options.ChecksumAlgorithm));

    private TextAndVersion Load(SourceHashAlgorithm checksumAlgorithm)
    {
        try
        {
            if (FileKinds.Of(path) == FileKind.Regular)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 12, FileOptions.SequentialScan);
                if (stream.Length <= maxBytes)
                {
                    var text = SourceText.From(stream, encoding: null, checksumAlgorithm, throwIfBinaryDetected: false);
                    return TextAndVersion.Create(text, VersionStamp.Create(File.GetLastWriteTimeUtc(path)), path);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return TextAndVersion.Create(SourceText.From(string.Empty, encoding: null, checksumAlgorithm), VersionStamp.Create(), path);
    }
}
