using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>
/// A Dockerfile's start and health-check commands turned into commands for this machine: the image's paths mapped to
/// the publish, a models folder and a token file, and its ports to free ones. Nothing else is changed.
/// </summary>
internal sealed class ContainerCommands(string app, string models, string tokenFile)
{
    private readonly Dictionary<string, string> _ports = [];

    public string Map(string word)
    {
        if (word == "/run/secrets/lspcopilot_token")
        {
            return tokenFile;
        }

        foreach (var (image, here) in new[] { (PublishedApp.ImageFolder, app), ("/models", models) })
        {
            if (word == image || word.StartsWith(image + "/", StringComparison.Ordinal))
            {
                return here + word[image.Length..];
            }
        }

        // HOST:PORT and http://HOST:PORT/...: the same port maps to the same free port everywhere.
        var match = System.Text.RegularExpressions.Regex.Match(word, @"^(?<pre>(http://)?[0-9.]+:)(?<port>\d+)(?<post>/.*)?$");
        if (match.Success)
        {
            var port = match.Groups["port"].Value;
            if (!_ports.TryGetValue(port, out var free))
            {
                free = _ports[port] = RepoFiles.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return match.Groups["pre"].Value + free + match.Groups["post"].Value;
        }

        return word;
    }

    public IReadOnlyList<string> Map(IEnumerable<string> words) => [.. words.Select(Map)];

    /// <summary>A models folder holding the shared tiny FIM model as <c>model.gguf</c> (the image's default name), and a token file only its owner reads.</summary>
    public static (string Models, string TokenFile) Prepare(TempFolder temp, bool withModel)
    {
        var models = temp.File("models");
        Directory.CreateDirectory(models);
        if (withModel)
        {
            File.CreateSymbolicLink(Path.Combine(models, "model.gguf"), TestModels.Require(TestModels.Fim));
        }

        var token = temp.File("token");
        File.WriteAllText(token, "deploy-test-token\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return (models, token);
    }
}
