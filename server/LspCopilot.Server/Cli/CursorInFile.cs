using LspCopilot.Server.Documents;
using LspCopilot.Server.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Cli;

/// <summary>A file and a 1-based --line/--column cursor in it, as the commands that work at a position take them.</summary>
internal static class CursorInFile
{
    /// <summary>The file's text and the cursor's offset; null (after saying why on <paramref name="stderr"/>) when either is not there.</summary>
    public static async Task<(SourceText Text, int Offset)?> ReadAsync(FileInfo file, int line, int column, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            await stderr.WriteLineAsync($"error: the file '{file.FullName}' does not exist.").ConfigureAwait(false);
            return null;
        }

        var text = SourceText.From(await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false));
        if (!Conversions.TryToOffset(text, new Position(line - 1, column - 1), out var offset, out var error) || line < 1 || column < 1)
        {
            await stderr.WriteLineAsync($"error: --line {line} --column {column} is not in '{file.Name}': {error ?? "line and column start at 1"}").ConfigureAwait(false);
            return null;
        }

        return (text, offset);
    }
}
