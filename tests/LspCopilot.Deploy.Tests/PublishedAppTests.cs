using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LspCopilot.Server.Hosting;
using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>
/// The self-contained publish the images use, run with nothing but its folder on the PATH (no dotnet, no DOTNET_ROOT),
/// and the Dockerfile's own start and health-check commands run outside a container.
/// </summary>
public sealed class PublishedAppTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task PublishedBinary_WithoutDotnetOnThePath_CompletesOnce()
    {
        var model = TestModels.Require(TestModels.Fim);
        var app = await PublishedApp.FolderAsync();
        using var home = new TempFolder();
        Assert.False(File.Exists(Path.Combine(app, "dotnet")), "The publish folder must not hold a dotnet host.");

        var result = await ChildProcess.RunAsync(Path.Combine(app, "lspcopilot"),
            ["complete", Path.Combine(RepoPaths.Root, "tests", "samples", "Program.cs"), "--line", "10", "--column", "24", "--model", model],
            home.Path, PublishedApp.BareEnvironment(app, home.Path), clean: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.False(string.IsNullOrWhiteSpace(result.Stdout), result.Output);
        Assert.Contains("generated", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task CpuDockerfileCommands_OutsideAContainer_ServeAndPassTheirOwnHealthCheck()
    {
        var app = await PublishedApp.FolderAsync();
        using var temp = new TempFolder();
        var (models, token) = ContainerCommands.Prepare(temp, withModel: true);
        var runtime = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile.cpu")).Runtime;
        var map = new ContainerCommands(app, models, token);
        var start = map.Map(runtime.Last("ENTRYPOINT")!.ExecForm().Concat(runtime.Last("CMD")!.ExecForm()));
        var check = map.Map(DockerfileSyntax.HealthCheck(runtime.Last("HEALTHCHECK")!).Command);

        using var worker = StartBare(start, app, temp.Path);
        try
        {
            var healthy = await UntilHealthyAsync(check, app, temp.Path, worker);
            Assert.True(healthy.ExitCode == 0, healthy.Output);
            Assert.Contains("healthy: ok", healthy.Stdout, StringComparison.Ordinal);

            // Served for real: a completion through the OpenAI-compatible route, with the token.
            var url = new Uri(RepoFiles.ValueOf(check, "--url"));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{url.Port}/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "deploy-test-token");
            using var response = await http.PostAsJsonAsync("v1/completions", new { prompt = "Once upon a time", suffix = " The end.", max_tokens = 8 }, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, body);
            using var json = JsonDocument.Parse(body);
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()), body);

            // The same process serves language servers on --listen with the same loaded model.
            var listen = RepoFiles.ValueOf(start, "--listen");
            using (var engine = Server.Worker.SupervisedEngine.Start(new Server.Worker.WorkerSocketConnector(new Server.Worker.WorkerEndpoint("127.0.0.1", int.Parse(listen.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)), "deploy-test-token"), new Completion.EngineOptions(), ChildWorkers.Log, ChildWorkers.QuickRestarts))
            {
                var result = await engine.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
                Assert.NotEmpty(result.Text);
                Assert.Equal(worker.Id, engine.Info.ProcessId);
            }

            // Without the token the worker refuses, /health included: the check must send it.
            using var anonymous = new HttpClient();
            using var refused = await anonymous.GetAsync(url, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task CpuDockerfileCommands_EmptyModelMount_HealthCheckFailsNamingTheEmptyFolder()
    {
        var app = await PublishedApp.FolderAsync();
        using var temp = new TempFolder();
        var (models, token) = ContainerCommands.Prepare(temp, withModel: false);
        var runtime = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile.cpu")).Runtime;
        var map = new ContainerCommands(app, models, token);
        var start = map.Map(runtime.Last("ENTRYPOINT")!.ExecForm().Concat(runtime.Last("CMD")!.ExecForm()));
        var check = map.Map(DockerfileSyntax.HealthCheck(runtime.Last("HEALTHCHECK")!).Command);

        using var worker = StartBare(start, app, temp.Path);
        try
        {
            // The worker stays up answering 503 with the reason (no restart loop), so the check fails with it.
            ChildProcess.Result result;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            do
            {
                await Task.Delay(300, TestContext.Current.CancellationToken);
                result = await ChildProcess.RunAsync(check[0], check.Skip(1), temp.Path, PublishedApp.BareEnvironment(app, temp.Path), clean: true);
            }
            while (!result.Stderr.Contains("HTTP 503", StringComparison.Ordinal) && !worker.HasExited && DateTime.UtcNow < deadline);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("HTTP 503", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"The folder '{models}' is empty", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task PublishedDoctorAndWorker_RequireGpuOnTheCpuBuild_FailNamingTheBackend()
    {
        var app = await PublishedApp.FolderAsync();
        using var home = new TempFolder();
        var env = PublishedApp.BareEnvironment(app, home.Path);
        var doctor = await ChildProcess.RunAsync(Path.Combine(app, "lspcopilot"), ["doctor", "--require-gpu"], home.Path, env, clean: true);
        Assert.Equal(GpuRequirement.ExitCode, doctor.ExitCode);
        Assert.Contains("require-gpu  FAILED: A GPU is required but the CPU build of llama.cpp loaded", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("nvidia-smi", doctor.Stderr, StringComparison.Ordinal);

        // The GPU image's start command, less the CUDA folder only the CUDA build has: refuses before loading anything.
        var (models, token) = ContainerCommands.Prepare(home, withModel: false);
        var command = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")).Runtime.Last("CMD")!.ExecForm().ToList();
        var cuda = command.IndexOf("--native-lib-dir");
        command.RemoveRange(cuda, 2);
        var worker = await ChildProcess.RunAsync(Path.Combine(app, "lspcopilot"), new ContainerCommands(app, models, token).Map(command), home.Path, env, clean: true, timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(GpuRequirement.ExitCode, worker.ExitCode);
        Assert.Contains("error: A GPU is required but the CPU build", worker.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Starts a mapped image command with nothing but the publish folder on the PATH.</summary>
    private static Process StartBare(IReadOnlyList<string> command, string app, string home)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = home };
        foreach (var word in command.Skip(1))
        {
            info.ArgumentList.Add(word);
        }

        info.Environment.Clear();
        foreach (var (name, value) in PublishedApp.BareEnvironment(app, home))
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the health check as Docker would, until it passes or the worker exits (a minute at most).</summary>
    private static async Task<ChildProcess.Result> UntilHealthyAsync(IReadOnlyList<string> check, string app, string home, Process worker)
    {
        // The image's own start period is 5 minutes; a busy CI machine loading the model and measuring its CPU build needs more than a minute.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(240);
        ChildProcess.Result result;
        do
        {
            await Task.Delay(300, TestContext.Current.CancellationToken);
            result = await ChildProcess.RunAsync(check[0], check.Skip(1), home, PublishedApp.BareEnvironment(app, home), clean: true);
        }
        while (result.ExitCode != 0 && !worker.HasExited && DateTime.UtcNow < deadline);

        return result;
    }
}
