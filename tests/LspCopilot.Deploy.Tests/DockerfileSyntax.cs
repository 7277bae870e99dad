using System.Text.Json;

namespace LspCopilot.Deploy.Tests;

/// <summary>One Dockerfile instruction: its keyword (upper case), its text after the keyword, and its first line.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The exec form (<c>["a", "b"]</c>) as a list; fails the test for the shell form.</summary>
    public IReadOnlyList<string> ExecForm(string? text = null)
    {
        var json = (text ?? Arguments).Trim();
        Assert.True(json.StartsWith('['), $"line {Line}: {Keyword} should use the exec form [\"...\"] (no shell in between): {json}");
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }
}

/// <summary>A build stage: <c>FROM image [AS name]</c> and what follows it.</summary>
internal sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => All(keyword).LastOrDefault();

    /// <summary>ENV's KEY=VALUE pairs of this stage, in order.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>();
        foreach (var instruction in All("ENV"))
        {
            foreach (var pair in instruction.Arguments.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                Assert.True(equals > 0, $"line {instruction.Line}: ENV should be KEY=VALUE pairs: {pair}");
                env[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return env;
    }
}

/// <summary>
/// A Dockerfile read the way the builder reads it: comment lines dropped (also inside continuations), lines ending in
/// a backslash joined, instructions grouped by stage. An unknown instruction fails the test (a typo never builds).
/// </summary>
internal sealed class DockerfileSyntax
{
    private static readonly HashSet<string> s_keywords = ["FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"];

    private DockerfileSyntax(string path, IReadOnlyList<DockerStage> stages)
    {
        Path = path;
        Stages = stages;
    }

    public string Path { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Runtime => Stages[^1];

    public static DockerfileSyntax Load(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing.");
        return Parse(path, File.ReadAllText(path));
    }

    public static DockerfileSyntax Parse(string path, string text)
    {
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        string? image = null, name = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                joined = joined[..^1].TrimEnd();
                var next = lines[++i].Trim();
                if (next.StartsWith('#'))
                {
                    joined += " \\";
                    continue;
                }

                joined += " " + next;
            }

            var space = joined.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? joined : joined[..space]).ToUpperInvariant();
            var arguments = space < 0 ? string.Empty : joined[(space + 1)..].Trim();
            Assert.True(s_keywords.Contains(keyword), $"{path}:{start}: unknown instruction '{keyword}'.");
            if (keyword == "FROM")
            {
                if (current is not null)
                {
                    stages.Add(new DockerStage(image!, name, current));
                }

                var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                image = words[0];
                name = words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                current = [];
                continue;
            }

            Assert.True(current is not null, $"{path}:{start}: {keyword} before the first FROM.");
            current!.Add(new DockerInstruction(keyword, arguments, start));
        }

        if (current is not null)
        {
            stages.Add(new DockerStage(image!, name, current));
        }

        return new DockerfileSyntax(path, stages);
    }

    /// <summary>HEALTHCHECK's options (<c>--interval=30s</c>) and its command in exec form.</summary>
    public static (IReadOnlyDictionary<string, string> Options, IReadOnlyList<string> Command) HealthCheck(DockerInstruction healthcheck)
    {
        var options = new Dictionary<string, string>();
        var rest = healthcheck.Arguments;
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOf(' ', StringComparison.Ordinal);
            var option = rest[2..end];
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            options[option[..equals]] = option[(equals + 1)..];
            rest = rest[end..].TrimStart();
        }

        Assert.True(rest.StartsWith("CMD ", StringComparison.Ordinal), $"line {healthcheck.Line}: HEALTHCHECK should end in CMD [...]: {rest}");
        return (options, healthcheck.ExecForm(rest[4..]));
    }
}
