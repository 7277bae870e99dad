using System.Diagnostics;
using System.Text;

namespace LspCopilot.Server.Tests.Support;

/// <summary>The built lspcopilot executable run as a child process.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _stderr = new();

    private ServerProcess(Process process)
    {
        Process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static ServerProcess Start(params string[] arguments)
    {
        var dll = RepoPaths.ServerDll;
        Assert.True(File.Exists(dll), $"Build the server first: {dll} is missing.");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("LSPCOPILOT_MODEL");
        return new ServerProcess(Process.Start(info)!);
    }

    /// <summary>Runs a command to completion and returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        await using var server = Start(arguments);
        server.Process.StandardInput.Close();
        var stdout = await server.Process.StandardOutput.ReadToEndAsync();
        await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        server.Process.WaitForExit();
        return (server.Process.ExitCode, stdout, server.Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }
}
