using System.Diagnostics;

namespace LspCopilot.TestSupport;

/// <summary>Makes a named pipe (FIFO) on disk with mkfifo(1): opening it for reading blocks until a writer comes.</summary>
public static class NamedPipeFile
{
    /// <summary>Creates the FIFO at <paramref name="path"/>; skips the calling test where there is no mkfifo (Windows).</summary>
    public static void Create(string path)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Named pipes in the file system are a Unix thing.");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
