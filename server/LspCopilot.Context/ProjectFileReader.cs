using System.Text.RegularExpressions;
using System.Xml.Linq;
using System.Xml;
using LspCopilot.Completion;

namespace LspCopilot.Context;

public sealed record PackageReferenceItem(string Id, string? Version);

/// <summary>What the analysis needs from a project file: compiler settings and references.</summary>
public sealed record ProjectFileInfo(string FilePath, string Name)
{
    public string Folder => Path.GetDirectoryName(FilePath)!;

    public string Sdk { get; init; } = "Microsoft.NET.Sdk";

    public string? TargetFramework { get; init; }

    public string? LangVersion { get; init; }

    public bool Nullable { get; init; }

    public bool ImplicitUsings { get; init; }

    public bool AllowUnsafeBlocks { get; init; }

    public IReadOnlyList<PackageReferenceItem> Packages { get; init; } = [];

    /// <summary>Full paths of referenced project files (only those inside the workspace folder are used).</summary>
    public IReadOnlyList<string> ProjectReferences { get; init; } = [];

    public IReadOnlyList<string> FrameworkReferences { get; init; } = [];

    /// <summary><c>&lt;Using Include="..."/&gt;</c> items: extra global usings.</summary>
    public IReadOnlyList<string> Usings { get; init; } = [];
}

/// <summary>
/// Reads an SDK-style project without running MSBuild: properties from the project and the
/// Directory.Build.props / Directory.Packages.props above it (within the workspace folder only), and
/// the PackageReference, ProjectReference, FrameworkReference and Using items. Conditions and targets
/// are not evaluated (nothing from the project is executed); <c>$(Name)</c> is expanded from the
/// properties read so far.
/// </summary>
public static partial class ProjectFileReader
{
    private const long MaxProjectBytes = 1024 * 1024;

    public static ProjectFileInfo Read(string projectPath, string root)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var centralVersions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // MSBuild imports only the nearest Directory.Build.props (which may import its parent itself).
        foreach (var props in FindAbove(projectPath, root, "Directory.Build.props").Take(1))
        {
            if (Load(props) is { } doc)
            {
                ReadProperties(doc, properties);
            }
        }

        foreach (var props in FindAbove(projectPath, root, "Directory.Packages.props").Take(1))
        {
            if (Load(props) is { } doc)
            {
                ReadProperties(doc, properties);
                foreach (var item in Items(doc, "PackageVersion"))
                {
                    if (Attribute(item, "Include") is { } id && Version(item, properties) is { } version)
                    {
                        centralVersions[id] = version;
                    }
                }
            }
        }

        var project = Load(projectPath);
        var name = Path.GetFileNameWithoutExtension(projectPath);
        if (project is null)
        {
            return new ProjectFileInfo(projectPath, name);
        }

        ReadProperties(project, properties);
        var folder = Path.GetDirectoryName(projectPath)!;
        var packages = Items(project, "PackageReference")
            .Select(i => (Id: Attribute(i, "Include") ?? Attribute(i, "Update"), Item: i))
            .Where(p => p.Id is not null)
            .Select(p => new PackageReferenceItem(p.Id!, Version(p.Item, properties) ?? centralVersions.GetValueOrDefault(p.Id!)))
            .DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var projectRefs = Items(project, "ProjectReference")
            .Select(i => Attribute(i, "Include"))
            .Where(p => p is not null)
            .Select(p => Path.GetFullPath(Path.Combine(folder, p!.Replace('\\', Path.DirectorySeparatorChar))))
            .ToList();

        var tfm = Property(properties, "TargetFramework") ?? Property(properties, "TargetFrameworks")?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return new ProjectFileInfo(projectPath, Property(properties, "AssemblyName") ?? name)
        {
            Sdk = project.Root?.Attribute("Sdk")?.Value ?? "Microsoft.NET.Sdk",
            TargetFramework = tfm,
            LangVersion = Property(properties, "LangVersion"),
            Nullable = IsEnabled(Property(properties, "Nullable")),
            ImplicitUsings = IsEnabled(Property(properties, "ImplicitUsings")),
            AllowUnsafeBlocks = IsEnabled(Property(properties, "AllowUnsafeBlocks")),
            Packages = packages,
            ProjectReferences = projectRefs,
            FrameworkReferences = [.. Items(project, "FrameworkReference").Select(i => Attribute(i, "Include")).OfType<string>()],
            Usings = [.. Items(project, "Using").Where(i => Attribute(i, "Alias") is null && Attribute(i, "Static") is null).Select(i => Attribute(i, "Include")).OfType<string>()],
        };
    }

    /// <summary>Files of this name in the project's folder and its parents, nearest first, never above <paramref name="root"/>.</summary>
    private static IEnumerable<string> FindAbove(string projectPath, string root, string fileName)
    {
        for (var dir = Path.GetDirectoryName(projectPath); dir is not null && WorkspaceRoots.IsUnder(dir, root); dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate) && new FileInfo(candidate).LinkTarget is null)
            {
                yield return candidate;
            }
        }
    }

    private static XDocument? Load(string path)
    {
        try
        {
            // Not a regular file (a named pipe would block the read forever), or too big to be a project.
            if (FileKinds.Of(path) != FileKind.Regular || new FileInfo(path).Length > MaxProjectBytes)
            {
                return null;
            }

            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            using var reader = XmlReader.Create(path, settings);
            return XDocument.Load(reader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or XmlException)
        {
            return null;
        }
    }

    private static void ReadProperties(XDocument doc, Dictionary<string, string> properties)
    {
        foreach (var group in doc.Root?.Elements().Where(e => e.Name.LocalName == "PropertyGroup") ?? [])
        {
            foreach (var property in group.Elements())
            {
                var value = Expand(property.Value.Trim(), properties);
                if (value is not null)
                {
                    properties[property.Name.LocalName] = value;
                }
            }
        }
    }

    private static IEnumerable<XElement> Items(XDocument doc, string itemName) =>
        doc.Root?.Elements().Where(e => e.Name.LocalName == "ItemGroup").SelectMany(g => g.Elements()).Where(e => e.Name.LocalName == itemName) ?? [];

    private static string? Attribute(XElement element, string name) =>
        element.Attributes().FirstOrDefault(a => string.Equals(a.Name.LocalName, name, StringComparison.OrdinalIgnoreCase))?.Value.Trim() is { Length: > 0 } value ? value : null;

    private static string? Version(XElement item, Dictionary<string, string> properties)
    {
        var raw = Attribute(item, "Version") ?? item.Elements().FirstOrDefault(e => e.Name.LocalName == "Version")?.Value.Trim();
        return raw is { Length: > 0 } ? Expand(raw, properties) : null;
    }

    private static string? Property(Dictionary<string, string> properties, string name) =>
        properties.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>Expands <c>$(Name)</c> from known properties; null when one is unknown (the value is then not trusted).</summary>
    private static string? Expand(string value, Dictionary<string, string> properties)
    {
        var unknown = false;
        var expanded = PropertyReference().Replace(value, m =>
        {
            if (properties.TryGetValue(m.Groups[1].Value, out var known))
            {
                return known;
            }

            unknown = true;
            return string.Empty;
        });
        return unknown ? null : expanded;
    }

    private static bool IsEnabled(string? value) =>
        value is not null && (value.Equals("enable", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex PropertyReference();
}
