using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>
/// Configures llama.cpp's native library once, before any native call (even <c>new ModelParams</c>
/// loads it): where to load it from and where its log lines go.
/// </summary>
public static class NativeBackend
{
    private static readonly object s_lock = new();
    private static bool s_configured;
    private static ServerLog s_log = ServerLog.Silent;

    /// <summary>True once llama.cpp is loaded in this process: from then on its library cannot change.</summary>
    public static bool IsLoaded => NativeLibraryConfig.LLama.LibraryHasLoaded;

    public static void Configure(ServerLog log, string? nativeLibDir = null)
    {
        lock (s_lock)
        {
            s_log = log;
            if (s_configured)
            {
                return;
            }

            s_configured = true;
            if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                return;
            }

            // Before llama.cpp (and with it libgomp) loads: libgomp reads its spin count only then.
            if (OpenMpSpin.Apply())
            {
                log.Debug($"llama.cpp's idle CPU threads sleep after {OpenMpSpin.OurSpinCount} spins ({OpenMpSpin.SpinCountVariable}); set it or {OpenMpSpin.WaitPolicyVariable} to choose yourself.");
            }

            if (!string.IsNullOrEmpty(nativeLibDir))
            {
                var llama = Path.Combine(nativeLibDir, OperatingSystem.IsWindows() ? "llama.dll" : OperatingSystem.IsMacOS() ? "libllama.dylib" : "libllama.so");
                var mtmd = Path.Combine(nativeLibDir, OperatingSystem.IsWindows() ? "mtmd.dll" : OperatingSystem.IsMacOS() ? "libmtmd.dylib" : "libmtmd.so");
                NativeLibraryConfig.All.WithLibrary(llama, mtmd);
            }

            NativeLibraryConfig.All.WithLogCallback(static (level, message) =>
            {
                var text = message.TrimEnd();
                if (text.Length == 0)
                {
                    return;
                }

                s_log.Write(level switch
                {
                    LLamaLogLevel.Error => LogLevel.Warning,
                    LLamaLogLevel.Warning => LogLevel.Debug,
                    _ => LogLevel.Trace,
                }, "llama.cpp: " + text);
            });
        }
    }
}
