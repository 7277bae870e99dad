namespace LspCopilot.TestSupport;

public static class TestEnvironment
{
    /// <summary>
    /// Tests must not pick up a developer's real model cache (the first-run default model), model
    /// variable or state folder (acceptance statistics): both point at nothing for the whole test process and the servers it starts.
    /// </summary>
    /// <remarks>Each test assembly calls this from its module initializer (AssemblyInfo.cs), before any test runs.</remarks>
    public static void Isolate()
    {
        var cache = Path.Combine(Path.GetTempPath(), "lspcopilot-tests-empty-cache");
        Directory.CreateDirectory(cache);
        Environment.SetEnvironmentVariable("LSPCOPILOT_MODEL_CACHE", cache);
        Environment.SetEnvironmentVariable("LSPCOPILOT_MODEL", null);

        // Acceptance statistics (servers in this process and those it starts) never reach the user's state folder.
        var state = Path.Combine(Path.GetTempPath(), "lspcopilot-tests-state", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(state);
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", state);
    }
}
