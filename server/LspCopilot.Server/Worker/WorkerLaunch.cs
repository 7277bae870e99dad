using System.Diagnostics;

namespace LspCopilot.Server.Worker;

/// <summary>The command line that starts this very program as a worker, as an apphost or through <c>dotnet</c>.</summary>
public sealed record WorkerLaunch(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables set (or, when null, removed) in the worker's environment on top of ours.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>
    /// The program this assembly belongs to: its apphost when that is what runs now, else
    /// <c>dotnet lspcopilot.dll</c> (also when the server is hosted by another program, e.g. tests).
    /// </summary>
    public static WorkerLaunch ForThisProgram()
    {
        var dll = typeof(WorkerLaunch).Assembly.Location;
        var folder = Path.GetDirectoryName(dll) ?? AppContext.BaseDirectory;
        var apphost = Path.Combine(folder, Path.GetFileNameWithoutExtension(dll) + (OperatingSystem.IsWindows() ? ".exe" : string.Empty));
        var current = System.Environment.ProcessPath;
        if (current is not null && string.Equals(Path.GetFullPath(current), Path.GetFullPath(apphost), StringComparison.Ordinal))
        {
            return new WorkerLaunch(current, []);
        }

        return new WorkerLaunch(DotnetHost(current), [dll]);
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        return info;
    }

    private static string DotnetHost(string? current)
    {
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // Set by the SDK and test hosts; else dotnet on the PATH.
        return System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
