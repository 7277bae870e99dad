namespace LspCopilot.TestSupport;

/// <summary>The built lspcopilot executable run as a child process for a whole command.</summary>
public static class ServerProcess
{
    /// <summary>Starts lspcopilot with stdout left to the caller (LSP frames).</summary>
    public static LspCopilotProcess Start(params string[] arguments) => LspCopilotProcess.Start(arguments, readStdout: false);

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
}
