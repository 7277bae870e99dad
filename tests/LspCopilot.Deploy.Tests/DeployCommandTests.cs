using LspCopilot.Server.Hosting;

namespace LspCopilot.Deploy.Tests;

/// <summary>
/// Every lspcopilot command the Dockerfiles, compose and the systemd unit run names only files the publish has and
/// options its commands accept. The CUDA folder, which only the CUDA build has, is held to LLamaSharp.Backend.Cuda12's
/// documented layout instead.
/// </summary>
public sealed class DeployCommandTests
{
    /// <summary>runtimes/linux-x64/native/cuda12/ in LLamaSharp.Backend.Cuda12 (its nuspec): the files the CUDA image loads.</summary>
    public static readonly string[] CudaLayout = ["libllama.so", "libggml.so", "libggml-base.so", "libggml-cuda.so"];

    [Fact]
    public async Task DeployFiles_EveryOptionTheyPassIsAnOptionOfItsCommand()
    {
        var help = new Dictionary<string, string>();
        foreach (var (source, command) in DeployCommands.All())
        {
            Assert.True(command[0].EndsWith("/lspcopilot", StringComparison.Ordinal), $"{source}: runs {command[0]}, not lspcopilot.");
            var subcommand = command[1];
            if (!help.TryGetValue(subcommand, out var text))
            {
                var result = await ChildProcess.RunAsync(Path.Combine(RepoFiles.ServerBuildFolder, "lspcopilot"), [subcommand, "--help"]);
                Assert.True(result.ExitCode == 0, result.Output);
                text = help[subcommand] = result.Stdout;
            }

            foreach (var option in command.Skip(2).Where(w => w.StartsWith("--", StringComparison.Ordinal)))
            {
                Assert.Matches($@"(^|\s|,){System.Text.RegularExpressions.Regex.Escape(option)}(\s|,|$)", text);
            }
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task DeployFiles_EveryAppPathTheyNameExistsInThePublish()
    {
        var app = await PublishedApp.FolderAsync();
        var checkedPaths = 0;
        foreach (var (source, command) in DeployCommands.All())
        {
            foreach (var word in command.Where(w => w.StartsWith(PublishedApp.ImageFolder + "/", StringComparison.Ordinal)))
            {
                var relative = word[(PublishedApp.ImageFolder.Length + 1)..];
                if (relative == GpuRequirement.CudaNativeFolder)
                {
                    // Only the CUDA build has it: its parent is the one the CPU build fills, beside avx2/ and the rest.
                    Assert.True(File.Exists(Path.Combine(app, Path.GetDirectoryName(relative)!, "avx2", "libllama.so")), $"{source}: {word}'s parent folder is not where llama.cpp builds go.");
                    continue;
                }

                Assert.True(File.Exists(Path.Combine(app, relative)) || Directory.Exists(Path.Combine(app, relative)), $"{source} names {word}, which the publish does not have.");
                checkedPaths++;
            }
        }

        Assert.True(checkedPaths >= 6, "Too few paths were checked: the commands no longer name the publish?");
    }

    [Fact]
    public void CudaLayout_IsWhatTheNativeLoaderAsksFor()
    {
        // --native-lib-dir loads libllama.so (and libmtmd.so when present) from the folder; ggml's CUDA backend is linked by it.
        Assert.Equal("runtimes/linux-x64/native/cuda12", GpuRequirement.CudaNativeFolder);
        Assert.Contains("libllama.so", CudaLayout);
        Assert.Contains("libggml-cuda.so", CudaLayout);
    }
}
