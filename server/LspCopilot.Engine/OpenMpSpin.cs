using System.Runtime.InteropServices;

namespace LspCopilot.Engine;

/// <summary>
/// How long llama.cpp's CPU threads spin when they run out of work. LLamaSharp's Linux CPU builds run each decode on
/// an OpenMP team (libgomp), whose threads spin ~300,000 times at every barrier before they sleep — measured here
/// (2 cores, the tiny models): after every decode its helper thread kept a core busy for ~5.5 ms more, so for that
/// long after each completion the server's own threads (JSON-RPC, Roslyn, a shared worker's messages) had one core.
/// 10,000 spins (~0.7 ms) still cover the barriers inside a decode and the sampling between two tokens: decode and
/// prefill speed did not change (0 spins made a token 2.7× slower). libgomp reads its settings once, when it loads,
/// so this must run before llama.cpp does. A user's own <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c> wins.
/// </summary>
public static partial class OpenMpSpin
{
    public const string SpinCountVariable = "GOMP_SPINCOUNT";
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>Our spin count, about 0.7 ms on a 2025 x86-64 core.</summary>
    public const string OurSpinCount = "10000";

    /// <summary>The spin count to set, or null where the user chose (either variable set) or OpenMP is not libgomp's (only Linux builds use it).</summary>
    public static string? Choose(Func<string, string?> environment, bool linux) =>
        linux && string.IsNullOrEmpty(environment(SpinCountVariable)) && string.IsNullOrEmpty(environment(WaitPolicyVariable)) ? OurSpinCount : null;

    /// <summary>What a server started with <paramref name="environment"/> runs with, for doctor: the setting and whose choice it is.</summary>
    public static string Describe(Func<string, string?> environment, bool linux)
    {
        if (environment(WaitPolicyVariable) is { Length: > 0 } policy)
        {
            return $"{WaitPolicyVariable}={policy} (yours)";
        }

        if (environment(SpinCountVariable) is { Length: > 0 } spins && spins != OurSpinCount)
        {
            return $"{SpinCountVariable}={spins} (yours)";
        }

        return linux
            ? $"{SpinCountVariable}={OurSpinCount} (idle threads sleep after ~0.7 ms; set {SpinCountVariable} or {WaitPolicyVariable} to choose)"
            : "not OpenMP's (this system's llama.cpp build has its own thread pool)";
    }

    /// <summary>
    /// Sets our spin count in this process's native environment (what libgomp reads when it loads) and in .NET's (what
    /// child processes inherit), unless the user chose; true when it was set.
    /// </summary>
    public static bool Apply()
    {
        if (Choose(Environment.GetEnvironmentVariable, OperatingSystem.IsLinux()) is not { } spins)
        {
            return false;
        }

        Environment.SetEnvironmentVariable(SpinCountVariable, spins);
        // Overwrite: an empty value (which counts as unset here) must not stay what libgomp reads.
        return SetNative(SpinCountVariable, spins, overwrite: 1) == 0;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNative(string name, string value, int overwrite);
}
