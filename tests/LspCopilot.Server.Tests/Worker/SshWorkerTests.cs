using System.Diagnostics;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Worker;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>
/// The model on another machine, Roslyn here (<c>--worker ssh://…</c>), against a real sshd on 127.0.0.1: the
/// worker protocol runs over ssh's stdin/stdout, with the local worker's crash and restart behaviour.
/// </summary>
public sealed class SshWorkerTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task WorkerOverSsh_Completes_AndIsStartedAgainWhenTheRemoteWorkerIsKilled()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var sshd = await ThrowawaySshd.StartAsync();
        using var engine = SupervisedEngine.Start(Connector(sshd, $"/usr/bin/dotnet {RepoPaths.ServerDll}"), new EngineOptions { ModelPath = model }, ChildWorkers.Log, ChildWorkers.QuickRestarts);
        var first = await engine.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);
        var remote = engine.Info.ProcessId;

        Process.GetProcessById(remote).Kill();
        var crash = await Record.ExceptionAsync(() => engine.CompleteAsync(ChildWorkers.Short("Once upon a time, a cat"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken));
        var next = await engine.CompleteAsync(ChildWorkers.Short("Once upon a time, a dog"), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(first.Text);
        Assert.True(crash is null or EngineCrashedException, crash?.ToString());
        Assert.NotNull(next.Text);
        Assert.NotEqual(remote, engine.Info.ProcessId);
        Assert.True(ChildWorkers.HasExited(remote));
    }

    [Fact]
    public async Task WorkerOverSsh_LspcopilotMissingOnTheRemote_OneMessageSaysWhatToInstall()
    {
        using var sshd = await ThrowawaySshd.StartAsync();

        var error = Assert.Throws<ModelLoadException>(() =>
            SupervisedEngine.Start(Connector(sshd, workerCommand: null), new EngineOptions { ModelPath = "/models/on-the-box.gguf" }, ChildWorkers.Log, ChildWorkers.QuickRestarts));

        Assert.Contains("lspcopilot is not installed there", error.Message, StringComparison.Ordinal);
        Assert.Contains("--worker-command", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("may not fit in memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerOverSsh_HostUnreachable_MessageSaysSshCouldNotReachIt()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/ssh"), "ssh client not installed (apt-get install openssh-client); .ci/test.sh installs it.");
        var connector = new SshWorkerConnector(new SshWorkerTarget("127.0.0.1", null, FreePort()), ["/usr/bin/ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5"], null, ChildWorkers.Log);

        var error = Assert.Throws<ModelLoadException>(() => SupervisedEngine.Start(connector, new EngineOptions(), ChildWorkers.Log, ChildWorkers.QuickRestarts));

        Assert.Contains("could not be reached over ssh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerOverSsh_SshClosesItsInputBeforeExiting_MessageStillSaysSshCouldNotReachIt()
    {
        // ssh that fails to connect may close its end of the pipe before it exits: the load request then meets a
        // broken pipe, and the user must still read why ssh ended (exit 255 and its last line), not "Broken pipe".
        var fakeSsh = "exec 0<&-; echo 'ssh: Could not resolve hostname gpu-box: Name or service not known' >&2; sleep 1; exit 255";
        var connector = new SshWorkerConnector(new SshWorkerTarget("gpu-box", null, null), ["/bin/sh", "-c", fakeSsh], null, ChildWorkers.Log);

        var error = Assert.Throws<ModelLoadException>(() => SupervisedEngine.Start(connector, new EngineOptions(), ChildWorkers.Log, ChildWorkers.QuickRestarts));

        Assert.Contains("could not be reached over ssh (ssh: Could not resolve hostname gpu-box", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Broken pipe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerWithWorkerOverSsh_InlineCompletionOverJsonRpc()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var sshd = await ThrowawaySshd.StartAsync();
        var ssh = SshArguments(sshd);
        await using var server = InMemoryServer.StartRaw(model, loader: (options, log) =>
            SupervisedEngine.Start(new SshWorkerConnector(new SshWorkerTarget("127.0.0.1", Environment.UserName, sshd.Port), ssh, $"/usr/bin/dotnet {RepoPaths.ServerDll}", log), options, log));
        const string Uri = "file:///laptop/Program.cs";
        await server.Raw.InitializeAsync();
        await server.Raw.NotifyAsync(LspMethods.DidOpen, new { textDocument = new { uri = Uri, languageId = "csharp", version = 1, text = "class A\n{\n    int x = \n}\n" } });

        var answer = await server.Raw.RequestAsync(LspMethods.InlineCompletion, new { textDocument = new { uri = Uri }, position = new { line = 2, character = 12 } });

        Assert.True(answer.TryGetProperty("result", out var result), answer.ToString());
        Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("items")[0].GetProperty("insertText").GetString()), answer.ToString());
    }

    [Theory]
    [InlineData("ssh://box", "box", null, null)]
    [InlineData("ssh://me@gpu-box:2222", "gpu-box", "me", 2222)]
    [InlineData("ssh://me@[::1]:22", "::1", "me", 22)]
    public void Target_Parse(string text, string host, string? user, int? port)
    {
        Assert.True(SshWorkerTarget.TryParse(text, out var target, out var error), error);
        Assert.Equal(new SshWorkerTarget(host, user, port), target);
    }

    [Theory]
    [InlineData("ssh://")]
    [InlineData("ssh://box:99999")]
    [InlineData("ssh://-oProxyCommand=x")]
    [InlineData("ssh://@box")]
    [InlineData("box:7000")]
    public void Target_Refused(string text)
    {
        Assert.False(SshWorkerTarget.TryParse(text, out _, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData(new[] { "--worker", "ssh://box", "--worker-command", "/opt/lspcopilot/lspcopilot", "--ssh-command", "ssh -i key" }, null)]
    [InlineData(new[] { "--worker-command", "lspcopilot" }, "need --worker ssh://")]
    [InlineData(new[] { "--worker", "127.0.0.1:7000", "--ssh-command", "ssh" }, "need --worker ssh://")]
    [InlineData(new[] { "--worker", "ssh://box", "--worker-token-file", "/tmp/t" }, "ssh keys authenticate")]
    [InlineData(new[] { "--worker", "ssh://box", "--in-process" }, "not both")]
    public void ServeOptions_SshWorker_Validated(string[] arguments, string? error)
    {
        var options = new WorkerServeOptions();
        var command = new System.CommandLine.RootCommand();
        options.AddTo(command);

        var errors = command.Parse(arguments).Errors.Select(e => e.Message).ToList();

        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ModelOnTheRemoteMachine_NoLocalDefaultReplacesAnUnnamedModel()
    {
        var effective = LspCopilot.Server.Configuration.OptionPrecedence.Engine(new EngineOptions(), null, null, _ => { }, localModelDefaults: false);

        Assert.Null(effective.ModelPath);
    }

    [Fact]
    public void SshCommand_SplitIntoWords_QuotesGroup()
    {
        Assert.Equal(["ssh", "-i", "/home/me/my key", "-o", "Port=2"], SshWorkerConnector.SplitCommand("ssh -i '/home/me/my key'  -o Port=2"));
        Assert.Equal(["ssh"], SshWorkerConnector.SplitCommand(null));
    }

    private static SshWorkerConnector Connector(ThrowawaySshd sshd, string? workerCommand) =>
        new(new SshWorkerTarget("127.0.0.1", Environment.UserName, sshd.Port), SshArguments(sshd), workerCommand, ChildWorkers.Log);

    private static string[] SshArguments(ThrowawaySshd sshd) =>
        ["/usr/bin/ssh", "-i", sshd.UserKey, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"];

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
