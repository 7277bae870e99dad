namespace LspCopilot.Context;

/// <summary>What happened to a file on disk (reported by the editor's file watcher).</summary>
public enum FileChangeKind
{
    Created,
    Changed,
    Deleted,
}
