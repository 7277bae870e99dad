using System.Runtime.CompilerServices;
using LspCopilot.TestSupport;

// Packing and publishing fill both cores; one test at a time keeps them from fighting.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LspCopilot.Deploy.Tests;

internal static class DeployTestsSetup
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The environment must be isolated before any test of this assembly runs.")]
    internal static void Isolate() => TestEnvironment.Isolate();
}
