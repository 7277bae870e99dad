namespace LspCopilot.TestSupport;

public static class TestEnvironment
{
    /// <summary>
    /// Tests must not pick up a developer's real model cache (the first-run default model) or model
    /// variable: both point at nothing for the whole test process and the servers it starts.
    /// </summary>
    /// <remarks>Each test assembly calls this from its module initializer (AssemblyInfo.cs), before any test runs.</remarks>
    public static void Isolate()
    {
        var cache = Path.Combine(Path.GetTempPath(), "lspcopilot-tests-empty-cache");
        Directory.CreateDirectory(cache);
        Environment.SetEnvironmentVariable("LSPCOPILOT_MODEL_CACHE", cache);
        Environment.SetEnvironmentVariable("LSPCOPILOT_MODEL", null);
    }
}
