using System.Text.RegularExpressions;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Deploy.Tests;

/// <summary>deploy/Dockerfile (CUDA) and deploy/Dockerfile.cpu, read and checked (no Docker engine runs here).</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "Dockerfile", "Dockerfile.cpu" };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_BuildsOnTheSdkAndCopiesOnlyThePublishIntoTheRuntime(string name)
    {
        var dockerfile = DockerfileSyntax.Load(RepoFiles.Deploy(name));
        Assert.Equal(2, dockerfile.Stages.Count);
        var build = dockerfile.Stages[0];
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.Image);
        Assert.Equal("build", build.Name);
        var copy = Assert.Single(dockerfile.Runtime.All("COPY"));
        Assert.Equal($"--from=build {PublishedApp.ImageFolder} {PublishedApp.ImageFolder}", copy.Arguments);
        Assert.Contains("--self-contained", PublishedApp.PublishCommand(dockerfile));
        Assert.Contains("linux-x64", PublishedApp.PublishCommand(dockerfile));
    }

    [Fact]
    public void GpuDockerfile_RunsOnTheCudaRuntimeImageOfUbuntu2404()
    {
        var runtime = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")).Runtime;
        // -runtime, not -base: llama.cpp's CUDA backend needs the CUDA runtime and cuBLAS.
        Assert.Matches(@"^nvidia/cuda:12\.\d+(\.\d+)?-runtime-ubuntu24\.04$", runtime.Image);
        Assert.Contains("utility", runtime.Environment()["NVIDIA_DRIVER_CAPABILITIES"], StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfiles_PublishTheSameWayButForTheCudaBackend()
    {
        var gpu = PublishedApp.PublishCommand(DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")));
        var cpu = PublishedApp.PublishCommand(DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile.cpu")));
        Assert.Single(gpu, w => w == "-p:LlamaBackend=Cuda12");
        Assert.Equal(cpu, gpu.Where(w => w != "-p:LlamaBackend=Cuda12"));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_RunsAsTheUserItCreatesNeverRoot(string name)
    {
        var runtime = DockerfileSyntax.Load(RepoFiles.Deploy(name)).Runtime;
        var user = runtime.Last("USER")?.Arguments;
        Assert.NotNull(user);
        Assert.DoesNotMatch("^(root|0)(:|$)", user);
        Assert.Contains(runtime.All("RUN"), r => Regex.IsMatch(r.Arguments, $@"useradd [^&]*\b{Regex.Escape(user.Split(':')[0])}\b"));
        // USER comes after every RUN: nothing the image runs at start runs as root.
        Assert.True(runtime.Instructions.ToList().IndexOf(runtime.Last("USER")!) > runtime.Instructions.ToList().IndexOf(runtime.Last("RUN")!));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_HealthCheckAsksTheWorkersHealthOnItsHttpPort(string name)
    {
        var runtime = DockerfileSyntax.Load(RepoFiles.Deploy(name)).Runtime;
        var (options, check) = DockerfileSyntax.HealthCheck(Assert.Single(runtime.All("HEALTHCHECK")));
        Assert.Equal(["/app/lspcopilot", "health"], check.Take(2));
        var command = runtime.Last("CMD")!.ExecForm();
        var http = RepoFiles.ValueOf(command, "--http");
        Assert.Equal($"http://127.0.0.1:{http.Split(':')[^1]}/health", RepoFiles.ValueOf(check, "--url"));
        // The worker's /health needs the same token as every other route.
        Assert.Equal(RepoFiles.ValueOf(command, "--token-file"), RepoFiles.ValueOf(check, "--token-file"));
        // A large model loads for minutes: the check must not count those as failures.
        Assert.True(options.ContainsKey("start-period"), "HEALTHCHECK needs --start-period for the model load.");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_ReadsModelsFromTheReadOnlyMountAndCachesInAVolume(string name)
    {
        var runtime = DockerfileSyntax.Load(RepoFiles.Deploy(name)).Runtime;
        var volume = Assert.Single(runtime.All("VOLUME")).ExecForm();
        var cache = runtime.Environment()["LSPCOPILOT_MODEL_CACHE"];
        Assert.Contains(volume, v => cache.StartsWith(v + "/", StringComparison.Ordinal));
        Assert.StartsWith("/models/", RepoFiles.ValueOf(runtime.Last("CMD")!.ExecForm(), "--model"), StringComparison.Ordinal);
        Assert.Equal(["/app/lspcopilot"], runtime.Last("ENTRYPOINT")!.ExecForm());
        // llama.cpp's CPU code links OpenMP.
        Assert.Contains(runtime.All("RUN"), r => r.Arguments.Contains("libgomp1", StringComparison.Ordinal));
    }

    [Fact]
    public void GpuDockerfile_LoadsTheCudaBuildAndRefusesToStartWithoutAGpu()
    {
        var command = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile")).Runtime.Last("CMD")!.ExecForm();
        Assert.Equal($"{PublishedApp.ImageFolder}/{GpuRequirement.CudaNativeFolder}", RepoFiles.ValueOf(command, "--native-lib-dir"));
        Assert.Contains("--require-gpu", command);
        var cpu = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile.cpu")).Runtime.Last("CMD")!.ExecForm();
        Assert.DoesNotContain("--require-gpu", cpu);
        Assert.DoesNotContain("--native-lib-dir", cpu);
    }

    [Fact]
    public void DockerfileSyntax_UnknownInstruction_FailsTheLint()
    {
        var error = Assert.ThrowsAny<Exception>(() => DockerfileSyntax.Parse("typo", "FROM a AS build\nRUNN echo hi\n"));
        Assert.Contains("unknown instruction 'RUNN'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputsOutOfTheContext()
    {
        var ignore = File.ReadAllLines(Path.Combine(TestSupport.RepoPaths.Root, ".dockerignore"));
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains("artifacts/", ignore);
    }
}
