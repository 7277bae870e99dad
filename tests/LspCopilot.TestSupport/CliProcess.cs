namespace LspCopilot.TestSupport;

/// <summary>A command of the built lspcopilot run to completion (through the one launcher, <see cref="LspCopilotProcess"/>).</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        // No hub from the environment: downloads in tests go to a stand-in on 127.0.0.1 or nowhere.
        var variables = new Dictionary<string, string?> { ["HF_ENDPOINT"] = null, ["HF_TOKEN"] = null };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        await using var run = LspCopilotProcess.Start(args, variables, readStdout: false);
        run.Process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        var stdout = run.Process.StandardOutput.ReadToEndAsync(deadline.Token);
        try
        {
            await run.Process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            run.Process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        run.Process.WaitForExit();
        return new Result(run.Process.ExitCode, output, run.Stderr);
    }
}
