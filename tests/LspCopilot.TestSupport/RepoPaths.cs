namespace LspCopilot.TestSupport;

/// <summary>Paths inside the repository, found from the test binaries.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LspCopilot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("LspCopilot.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => s_root.Value;

    /// <summary>The server's built lspcopilot.dll in the same configuration as the tests.</summary>
    public static string ServerDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Root, "server", "LspCopilot.Server", "bin", configuration, "net10.0", "lspcopilot.dll");
        }
    }
}
