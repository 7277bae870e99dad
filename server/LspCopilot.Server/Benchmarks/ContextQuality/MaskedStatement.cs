using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>
/// A statement whose line is cut where it begins: <see cref="Removed"/> runs from the statement's first
/// character to the end of its line, and the cursor sits at its start.
/// </summary>
public sealed record MaskedStatement(CorpusProject Project, CorpusFile File, TextSpan Removed)
{
    public int Offset => Removed.Start;

    public string RemovedText => File.Text.ToString(Removed);

    /// <summary>The file as the user would have it: the removed text gone.</summary>
    public SourceText MaskedText => File.Text.WithChanges(new TextChange(Removed, string.Empty));

    /// <summary>1-based line of the cursor.</summary>
    public int Line => File.Text.Lines.GetLinePosition(Offset).Line + 1;

    public override string ToString() => $"{Project.Name}/{Path.GetRelativePath(Project.Folder, File.Path)}:{Line}";
}
