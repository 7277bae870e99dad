namespace LspCopilot.Engine.CpuVariants;

/// <summary>A model file as it was measured: a changed file (size or modification time) is measured again.</summary>
public sealed record ModelStamp(string Path, long Size, DateTime LastWriteUtc)
{
    public static ModelStamp Of(string path)
    {
        var file = new FileInfo(path);
        return new ModelStamp(file.FullName, file.Length, file.LastWriteTimeUtc);
    }
}
