namespace LspCopilot.Deploy.Tests;

/// <summary>Every lspcopilot command line the deployment files run, with where it comes from.</summary>
internal static class DeployCommands
{
    /// <summary>Where the systemd unit expects the publish (the image's /app).</summary>
    public const string ServiceInstallFolder = "/opt/lspcopilot";

    public static IEnumerable<(string Source, IReadOnlyList<string> Command)> All()
    {
        foreach (var name in new[] { "Dockerfile", "Dockerfile.cpu" })
        {
            var runtime = DockerfileSyntax.Load(RepoFiles.Deploy(name)).Runtime;
            yield return ($"{name} ENTRYPOINT+CMD", [.. runtime.Last("ENTRYPOINT")!.ExecForm(), .. runtime.Last("CMD")!.ExecForm()]);
            yield return ($"{name} HEALTHCHECK", DockerfileSyntax.HealthCheck(runtime.Last("HEALTHCHECK")!).Command);
        }

        var compose = ComposeFile.Load(RepoFiles.Deploy("compose.yaml"));
        var worker = compose.Service("worker");
        yield return ("compose worker command", [PublishedApp.ImageFolder + "/lspcopilot", .. ComposeFile.Strings(ComposeFile.Child(worker, "command")).Select(ComposeFile.WithDefaults)]);
        yield return ("compose worker healthcheck", [.. ComposeFile.Strings(ComposeFile.Child(ComposeFile.Map(worker, "healthcheck"), "test")).Skip(1)]);

        foreach (var line in File.ReadAllLines(RepoFiles.Deploy("lspcopilot-worker.service")).Where(l => l.StartsWith("ExecStart", StringComparison.Ordinal)))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var words = line[(equals + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(w => w.StartsWith(ServiceInstallFolder, StringComparison.Ordinal) ? PublishedApp.ImageFolder + w[ServiceInstallFolder.Length..] : w);
            yield return ($"lspcopilot-worker.service {line[..equals]}", [.. words]);
        }
    }
}
