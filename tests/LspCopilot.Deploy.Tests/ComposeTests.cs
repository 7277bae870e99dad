using YamlDotNet.RepresentationModel;

namespace LspCopilot.Deploy.Tests;

/// <summary>deploy/compose.yaml: the shared worker on both cards, its token, mounts and health; the llama-server profile.</summary>
public sealed class ComposeTests
{
    private static readonly ComposeFile s_compose = ComposeFile.Load(RepoFiles.Deploy("compose.yaml"));

    [Fact]
    public void Worker_RunsTheSharedWorkerCommandOfTheIssue()
    {
        var command = ComposeFile.Strings(ComposeFile.Child(s_compose.Service("worker"), "command"));
        Assert.Equal("worker", command[0]);
        Assert.Equal("0.0.0.0:7000", RepoFiles.ValueOf(command, "--listen"));
        Assert.Equal("/run/secrets/lspcopilot_token", RepoFiles.ValueOf(command, "--token-file"));
        Assert.Equal("dual-16g-8g", RepoFiles.ValueOf(command, "--preset"));
        Assert.StartsWith("/models/", RepoFiles.ValueOf(command, "--model"), StringComparison.Ordinal);
        Assert.Contains("--require-gpu", command);
    }

    [Fact]
    public void Worker_BuildsTheCudaDockerfile()
    {
        var worker = s_compose.Service("worker");
        var context = ComposeFile.Scalar(worker, "build", "context")!;
        var dockerfile = ComposeFile.Scalar(worker, "build", "dockerfile")!;
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(RepoFiles.Deploy(context), dockerfile))), $"{context}/{dockerfile} does not exist (relative to deploy/).");
        Assert.Equal("deploy/Dockerfile", dockerfile);
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("llama-server")]
    public void Service_ReservesBothGpusByIdWithAMemoryLimitAndRestarts(string name)
    {
        var service = s_compose.Service(name);
        var devices = Assert.IsType<YamlSequenceNode>(ComposeFile.Child(ComposeFile.Map(ComposeFile.Map(ComposeFile.Map(service, "deploy"), "resources"), "reservations"), "devices"));
        var gpu = Assert.IsType<YamlMappingNode>(Assert.Single(devices.Children));
        Assert.Equal("nvidia", ComposeFile.Scalar(gpu, "driver"));
        Assert.Equal(["0", "1"], ComposeFile.Strings(ComposeFile.Child(gpu, "device_ids")));
        Assert.Contains("gpu", ComposeFile.Strings(ComposeFile.Child(gpu, "capabilities")));
        Assert.Null(ComposeFile.Child(gpu, "count"));
        Assert.Matches(@"^\d+[gm]$", ComposeFile.Scalar(service, "deploy", "resources", "limits", "memory"));
        Assert.Equal("unless-stopped", ComposeFile.Scalar(service, "restart"));
    }

    [Fact]
    public void Worker_TokenIsAComposeSecretReadableOnlyByTheImagesUser()
    {
        var worker = s_compose.Service("worker");
        var secret = Assert.IsType<YamlMappingNode>(Assert.Single(Assert.IsType<YamlSequenceNode>(ComposeFile.Child(worker, "secrets")).Children));
        var source = ComposeFile.Scalar(secret, "source")!;
        Assert.NotNull(ComposeFile.Scalar(s_compose.Root, "secrets", source, "file"));
        var command = ComposeFile.Strings(ComposeFile.Child(worker, "command"));
        Assert.Equal("/run/secrets/" + ComposeFile.Scalar(secret, "target"), RepoFiles.ValueOf(command, "--token-file"));
        Assert.Equal("0400", ComposeFile.Scalar(secret, "mode")!.PadLeft(4, '0'));
        var user = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")).Runtime.All("RUN").Select(r => System.Text.RegularExpressions.Regex.Match(r.Arguments, @"useradd [^&]*--uid (\d+)")).First(m => m.Success).Groups[1].Value;
        Assert.Equal(user, ComposeFile.Scalar(secret, "uid"));
    }

    [Fact]
    public void Worker_MountsModelsReadOnlyAndTheImagesCacheVolume()
    {
        var volumes = Assert.IsType<YamlSequenceNode>(ComposeFile.Child(s_compose.Service("worker"), "volumes")).Children.Cast<YamlMappingNode>().ToList();
        var models = Assert.Single(volumes, v => ComposeFile.Scalar(v, "target") == "/models");
        Assert.Equal("true", ComposeFile.Scalar(models, "read_only"));
        Assert.Equal("bind", ComposeFile.Scalar(models, "type"));
        var imageVolume = Assert.Single(DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")).Runtime.All("VOLUME")).ExecForm().Single();
        var cache = Assert.Single(volumes, v => ComposeFile.Scalar(v, "target") == imageVolume);
        Assert.Equal("volume", ComposeFile.Scalar(cache, "type"));
        Assert.NotNull(ComposeFile.Child(ComposeFile.Map(s_compose.Root, "volumes"), ComposeFile.Scalar(cache, "source")!));
    }

    [Fact]
    public void Worker_HealthCheckIsTheImagesOwn()
    {
        var test = ComposeFile.Strings(ComposeFile.Child(ComposeFile.Map(s_compose.Service("worker"), "healthcheck"), "test"));
        var image = DockerfileSyntax.HealthCheck(DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")).Runtime.Last("HEALTHCHECK")!).Command;
        Assert.Equal(["CMD", .. image], test);
        Assert.NotNull(ComposeFile.Scalar(s_compose.Service("worker"), "healthcheck", "start_period"));
    }

    [Fact]
    public async Task LlamaServerProfile_EveryOptionIsOneLlamaServerKnows()
    {
        var server = Environment.GetEnvironmentVariable("LSPCOPILOT_LLAMA_SERVER") is { Length: > 0 } fromEnv && File.Exists(fromEnv) ? fromEnv
            : Path.GetFullPath(Path.Combine(TestSupport.RepoPaths.Root, "..", "shared", "bin", "llama-server"));
        Assert.SkipUnless(File.Exists(server), $"llama-server not found ({server}; set LSPCOPILOT_LLAMA_SERVER): the profile's options cannot be checked here.");
        var help = await ChildProcess.RunAsync(server, ["--help"]);
        var text = help.Stdout + help.Stderr;
        foreach (var option in ComposeFile.Strings(ComposeFile.Child(s_compose.Service("llama-server"), "command")).Where(w => w.StartsWith("--", StringComparison.Ordinal)))
        {
            Assert.Matches($@"(^|\s|,){System.Text.RegularExpressions.Regex.Escape(option)}(\s|,|$)", text);
        }

        Assert.Matches(@"--flash-attn \[on\|off\|auto\]", text);
    }

    [Fact]
    public void Profiles_WorkerAndLlamaServerNeverStartTogether()
    {
        var worker = ComposeFile.Strings(ComposeFile.Child(s_compose.Service("worker"), "profiles"));
        var llama = ComposeFile.Strings(ComposeFile.Child(s_compose.Service("llama-server"), "profiles"));
        Assert.Equal(["lspcopilot"], worker);
        Assert.Equal(["llama-server"], llama);
        Assert.Contains("llama.cpp:server-cuda", ComposeFile.Scalar(s_compose.Service("llama-server"), "image"), StringComparison.Ordinal);
        // Both serve the same model file and guard it with the same token.
        var command = ComposeFile.Strings(ComposeFile.Child(s_compose.Service("llama-server"), "command"));
        Assert.Equal(RepoFiles.ValueOf(ComposeFile.Strings(ComposeFile.Child(s_compose.Service("worker"), "command")), "--model"), RepoFiles.ValueOf(command, "--model"));
        Assert.Equal("/run/secrets/lspcopilot_token", RepoFiles.ValueOf(command, "--api-key-file"));
    }
}
