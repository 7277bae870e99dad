using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LspCopilot.Server.Worker;

/// <summary>
/// Restarts a shared worker in place: the process executes itself again (<c>execve</c>, same process id,
/// same command line, same stdout/stderr), which ends every thread — a native call stuck in llama.cpp
/// included — and frees the model's memory (host and GPU) before the fresh process loads it again. The
/// fresh process binds the port the old one listened on (<see cref="RebindVariable"/>, so a worker started
/// on port 0 comes back on the same port) and knows how many times it was restarted
/// (<see cref="RestartsVariable"/>). Connected language servers see their connection close and reconnect.
/// Linux only (it reads <c>/proc/self</c>); elsewhere the caller exits for its service manager instead.
/// </summary>
internal static partial class SelfReplacement
{
    /// <summary>Set for the fresh process: the address (HOST:PORT) the replaced worker listened on.</summary>
    public const string RebindVariable = "LSPCOPILOT_WORKER_REBIND";

    /// <summary>Set for the fresh process: how many times this worker was restarted in place.</summary>
    public const string RestartsVariable = "LSPCOPILOT_WORKER_RESTARTS";

    /// <summary>How many times this process's worker was restarted in place (0 when started normally).</summary>
    public static int Restarts =>
        int.TryParse(Environment.GetEnvironmentVariable(RestartsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>The address to listen on again after a restart in place, or null for a normal start.</summary>
    public static WorkerEndpoint? Rebind =>
        WorkerEndpoint.TryParse(Environment.GetEnvironmentVariable(RebindVariable), out var endpoint, out _) ? endpoint : null;

    /// <summary>True where <see cref="Replace"/> can work.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && File.Exists("/proc/self/cmdline");

    /// <summary>
    /// Executes this process again with <paramref name="listening"/> as the address to bind. Returns only when
    /// that failed, with the reason; on success the old process image (and every thread in it) is gone.
    /// </summary>
    public static string Replace(WorkerEndpoint listening)
    {
        if (!Supported)
        {
            return "restarting in place needs Linux";
        }

        string executable;
        string[] arguments;
        try
        {
            executable = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: true)?.FullName ?? Environment.ProcessPath!;
            var cmdline = File.ReadAllBytes("/proc/self/cmdline");
            arguments = Encoding.UTF8.GetString(cmdline).TrimEnd('\0').Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "cannot read this process's command line: " + ex.Message;
        }

        var environment = Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .Select(e => ((string)e.Key, (string?)e.Value))
            .Where(e => e.Item1 is not RebindVariable and not RestartsVariable)
            .Select(e => $"{e.Item1}={e.Item2}")
            .Append($"{RebindVariable}={listening}")
            .Append(string.Create(CultureInfo.InvariantCulture, $"{RestartsVariable}={Restarts + 1}"))
            .ToArray();

        Console.Out.Flush();
        Console.Error.Flush();
        Execve(executable, [.. arguments, null], [.. environment, null]);
        return "execve failed: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execve(string path, string?[] argv, string?[] envp);
}
