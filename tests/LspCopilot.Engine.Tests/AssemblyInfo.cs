using System.Runtime.CompilerServices;
using LspCopilot.TestSupport;

// The model tests run real llama.cpp engines that use every core; running them side by side makes
// their threads fight for the CPU, so the suite runs one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LspCopilot.Engine.Tests;

internal static class EngineTestsSetup
{
    /// <summary>No test may see a developer's real model cache or model variable.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The environment must be isolated before any test of this assembly runs.")]
    internal static void Isolate() => TestEnvironment.Isolate();
}
