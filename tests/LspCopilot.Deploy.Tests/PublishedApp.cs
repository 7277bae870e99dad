using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>
/// The self-contained linux-x64 publish, made once per test run by running the very <c>dotnet publish</c> line of
/// deploy/Dockerfile.cpu's build stage (its <c>/app</c> output moved under this test's output, artifacts/).
/// </summary>
internal static class PublishedApp
{
    /// <summary>Where the image puts the publish.</summary>
    public const string ImageFolder = "/app";

    private static readonly Lazy<Task<string>> s_folder = new(PublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<string> FolderAsync() => s_folder.Value;

    /// <summary>The publish command of a Dockerfile's build stage, split into words (it must need no shell).</summary>
    public static IReadOnlyList<string> PublishCommand(DockerfileSyntax dockerfile)
    {
        var run = dockerfile.Stages[0].All("RUN").Single(r => r.Arguments.StartsWith("dotnet publish ", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"[&|;<>""'`$]", run.Arguments);
        return run.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task<string> PublishAsync()
    {
        var dockerfile = DockerfileSyntax.Load(RepoFiles.Deploy("Dockerfile.cpu"));
        var build = dockerfile.Stages[0];
        // WORKDIR /src + COPY . . : the command runs in the repository root.
        Assert.Equal("/src", build.Last("WORKDIR")?.Arguments);
        Assert.Contains(build.All("COPY"), c => c.Arguments == ". .");
        var words = PublishCommand(dockerfile).ToList();
        var output = words.IndexOf("-o") + 1;
        Assert.True(output > 0 && words[output] == ImageFolder, $"The publish should write {ImageFolder}: {string.Join(' ', words)}");

        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts", "publish-linux-x64");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        words[output] = folder;
        var result = await ChildProcess.RunAsync(words[0], words.Skip(1).Append("--nologo"), RepoPaths.Root, timeout: TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, "The Dockerfile's publish command failed:\n" + result.Output);
        Assert.True(File.Exists(Path.Combine(folder, "lspcopilot")), $"The publish has no lspcopilot executable in {folder}.");
        return folder;
    }

    /// <summary>
    /// An environment with nothing but <paramref name="folder"/> on the PATH: no dotnet, no DOTNET_ROOT, a fresh HOME
    /// and model cache (as in the image, where the publish folder is all there is).
    /// </summary>
    public static Dictionary<string, string?> BareEnvironment(string folder, string home) => new()
    {
        ["PATH"] = folder,
        ["HOME"] = home,
        ["LSPCOPILOT_MODEL_CACHE"] = Path.Combine(home, "models"),
        ["HF_ENDPOINT"] = "http://127.0.0.1:9",
    };
}
