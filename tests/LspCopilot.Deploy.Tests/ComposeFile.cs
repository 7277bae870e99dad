using YamlDotNet.RepresentationModel;

namespace LspCopilot.Deploy.Tests;

/// <summary>deploy/compose.yaml parsed as YAML (YamlDotNet), with the lookups the lint needs.</summary>
internal sealed class ComposeFile
{
    private ComposeFile(YamlMappingNode root) => Root = root;

    public YamlMappingNode Root { get; }

    public YamlMappingNode Services => Map(Root, "services");

    public static ComposeFile Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return new ComposeFile(Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode));
    }

    public YamlMappingNode Service(string name) => Map(Services, name);

    public static YamlMappingNode Map(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(Child(node, key) ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing (line {node.Start.Line})."));

    public static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>The scalar at a path of keys, e.g. "deploy", "resources", "limits", "memory".</summary>
    public static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || Child(map, key) is not { } next)
            {
                return null;
            }

            current = next;
        }

        return (current as YamlScalarNode)?.Value;
    }

    public static IReadOnlyList<string> Strings(YamlNode? node) =>
        node is YamlSequenceNode sequence ? [.. sequence.Children.Select(c => Assert.IsType<YamlScalarNode>(c).Value!)] : [];

    /// <summary>${NAME:-default} replaced by its default, as compose does when NAME is unset.</summary>
    public static string WithDefaults(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\$\{[A-Z_]+:-([^}]*)\}", m => m.Groups[1].Value);
}
