using System.Runtime.CompilerServices;

namespace LspCopilot.Server.Tests.Support;

internal static class TestEnvironment
{
    /// <summary>
    /// Tests must not pick up a developer's real model cache (the first-run default model) or model
    /// variable: both point at nothing for the whole test process and the servers it starts.
    /// </summary>
    [ModuleInitializer]
    internal static void Isolate()
    {
        var cache = Path.Combine(Path.GetTempPath(), "lspcopilot-tests-empty-cache");
        Directory.CreateDirectory(cache);
        Environment.SetEnvironmentVariable("LSPCOPILOT_MODEL_CACHE", cache);
        Environment.SetEnvironmentVariable("LSPCOPILOT_MODEL", null);
    }
}
