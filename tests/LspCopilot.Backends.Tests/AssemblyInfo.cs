using System.Runtime.CompilerServices;
using LspCopilot.TestSupport;

// Two cores shared with other work, and a real llama-server in some tests: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LspCopilot.Backends.Tests;

internal static class BackendsTestsSetup
{
    /// <summary>No test may see a developer's real model cache, model variable or API key.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The environment must be isolated before any test of this assembly runs.")]
    internal static void Isolate()
    {
        TestEnvironment.Isolate();
        Environment.SetEnvironmentVariable(LspCopilot.Completion.BackendOptions.ApiKeyVariable, null);
    }
}
