using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using LspCopilot.Completion;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// Finds the metadata references of a project without MSBuild: the target framework's reference
/// assemblies from the SDK's packs folder (with their XML docs), else the embedded .NET 8 set; NuGet
/// packages from the restore output (obj/project.assets.json, transitive) or, before a restore, the
/// direct PackageReferences in the NuGet cache. Only DLLs inside the SDK and the NuGet cache are read.
/// References are shared process-wide so compilations reuse their symbols.
/// </summary>
public static class ReferenceResolver
{
    private static readonly ConcurrentDictionary<string, MetadataReference> s_cache = new(StringComparer.Ordinal);
    private static readonly Lazy<IReadOnlyList<MetadataReference>> s_embeddedNet80 = new(() => [.. Basic.Reference.Assemblies.Net80.References.All]);

    /// <summary>The framework set used for documents without a project: the newest SDK reference pack, else the embedded .NET 8 one.</summary>
    public static IReadOnlyList<MetadataReference> DefaultFramework() =>
        FrameworkReferences(null, [], "Microsoft.NET.Sdk");

    public static IReadOnlyList<MetadataReference> Resolve(ProjectFileInfo project)
    {
        var references = new List<MetadataReference>(FrameworkReferences(project.TargetFramework, project.FrameworkReferences, project.Sdk));
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dll in PackageAssemblies(project))
        {
            if (seen.Add(Path.GetFileName(dll)) && Reference(dll) is { } reference)
            {
                references.Add(reference);
            }
        }

        return references;
    }

    /// <summary>Global usings the SDK adds with ImplicitUsings enabled.</summary>
    public static IReadOnlyList<string> ImplicitUsings(string sdk)
    {
        List<string> usings = ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];
        if (sdk.Contains("Web", StringComparison.OrdinalIgnoreCase))
        {
            usings.AddRange(["System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing"]);
        }

        if (sdk.Contains("Web", StringComparison.OrdinalIgnoreCase) || sdk.Contains("Worker", StringComparison.OrdinalIgnoreCase))
        {
            usings.AddRange(["Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging"]);
        }

        return usings;
    }

    private static IReadOnlyList<MetadataReference> FrameworkReferences(string? targetFramework, IReadOnlyList<string> frameworkReferences, string sdk)
    {
        var major = FrameworkMajor(targetFramework);
        var core = FindPack("Microsoft.NETCore.App.Ref", major);
        if (core is null)
        {
            return s_embeddedNet80.Value;
        }

        var folders = new List<string> { core };
        var wantsAspNet = sdk.Contains("Web", StringComparison.OrdinalIgnoreCase)
            || frameworkReferences.Any(f => f.Equals("Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase));
        if (wantsAspNet && FindPack("Microsoft.AspNetCore.App.Ref", major) is { } aspnet)
        {
            folders.Add(aspnet);
        }

        return [.. folders
            .SelectMany(f => Directory.EnumerateFiles(f, "*.dll"))
            .Order(StringComparer.Ordinal)
            .Select(Reference)
            .OfType<MetadataReference>()];
    }

    /// <summary>The ref/netX.Y folder of a targeting pack: the requested major version, else (no request or none installed) the newest.</summary>
    private static string? FindPack(string packName, int? major)
    {
        var candidates = new List<(Version Version, string Folder)>();
        foreach (var packs in PackRoots())
        {
            // The SDK names packs as written; the NuGet cache lower-cases them.
            var packDir = Path.Combine(packs, packName);
            if (!Directory.Exists(packDir))
            {
                packDir = Path.Combine(packs, packName.ToLowerInvariant());
                if (!Directory.Exists(packDir))
                {
                    continue;
                }
            }

            foreach (var versionDir in Directory.EnumerateDirectories(packDir))
            {
                if (!Version.TryParse(Path.GetFileName(versionDir).Split('-')[0], out var version))
                {
                    continue;
                }

                var refDir = Path.Combine(versionDir, "ref");
                var tfmDir = Directory.Exists(refDir) ? Directory.EnumerateDirectories(refDir, "net*").Order(StringComparer.Ordinal).LastOrDefault() : null;
                if (tfmDir is not null)
                {
                    candidates.Add((version, tfmDir));
                }
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var exact = candidates.Where(c => c.Version.Major == major).OrderByDescending(c => c.Version).FirstOrDefault();
        if (exact.Folder is not null)
        {
            return exact.Folder;
        }

        // An older target (or netstandard/.NET Framework) without its pack: the embedded .NET 8 set is closer.
        if (major is not null && major <= 8)
        {
            return null;
        }

        return candidates.OrderByDescending(c => c.Version).First().Folder;
    }

    private static IEnumerable<string> PackRoots()
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot)
        {
            roots.Add(Path.Combine(dotnetRoot, "packs"));
        }

        // .../shared/Microsoft.NETCore.App/<version>/ → the dotnet root is three levels up.
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.GetParent(runtimeDir)?.Parent?.Parent is { } root)
        {
            roots.Add(Path.Combine(root.FullName, "packs"));
        }

        roots.Add(NuGetCache());
        return roots.Distinct(StringComparer.Ordinal).Where(Directory.Exists);
    }

    private static int? FrameworkMajor(string? tfm)
    {
        if (tfm is null)
        {
            return null;
        }

        var name = tfm.Split('-')[0].ToLowerInvariant();
        if (name.StartsWith("netcoreapp", StringComparison.Ordinal) || name.StartsWith("netstandard", StringComparison.Ordinal))
        {
            return 0;
        }

        return name.StartsWith("net", StringComparison.Ordinal) && name.Contains('.', StringComparison.Ordinal)
            && int.TryParse(name[3..name.IndexOf('.', StringComparison.Ordinal)], out var major)
            ? major
            : 0;
    }

    public static string NuGetCache() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static IEnumerable<string> PackageAssemblies(ProjectFileInfo project)
    {
        var cache = WorkspaceRoots.RealPath(NuGetCache());
        var assets = Path.Combine(project.Folder, "obj", "project.assets.json");
        if (FileKinds.Of(assets) == FileKind.Regular && FromAssets(assets, project.TargetFramework, cache) is { } restored)
        {
            return restored;
        }

        return project.Packages.Select(p => FromCache(cache, p, FrameworkMajor(project.TargetFramework))).OfType<string>();
    }

    /// <summary>Compile assets of every package (transitive) for the project's framework, from the restore output.</summary>
    private static List<string>? FromAssets(string assetsPath, string? targetFramework, string cache)
    {
        try
        {
            using var stream = File.OpenRead(assetsPath);
            using var json = JsonDocument.Parse(stream);
            var rootElement = json.RootElement;
            if (!rootElement.TryGetProperty("targets", out var targets) || !rootElement.TryGetProperty("libraries", out var libraries))
            {
                return null;
            }

            var target = targets.EnumerateObject().FirstOrDefault(t => targetFramework is null || t.Name.StartsWith(targetFramework, StringComparison.OrdinalIgnoreCase));
            if (target.Value.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var result = new List<string>();
            foreach (var library in target.Value.EnumerateObject())
            {
                if (!library.Value.TryGetProperty("type", out var type) || type.GetString() != "package"
                    || !library.Value.TryGetProperty("compile", out var compile)
                    || !libraries.TryGetProperty(library.Name, out var info) || !info.TryGetProperty("path", out var pathElement))
                {
                    continue;
                }

                foreach (var asset in compile.EnumerateObject())
                {
                    if (!asset.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    // Only files inside the NuGet cache: a crafted assets file must not point elsewhere.
                    var full = Path.GetFullPath(Path.Combine(cache, pathElement.GetString() ?? string.Empty, asset.Name));
                    if (WorkspaceRoots.IsUnder(full, cache) && File.Exists(full))
                    {
                        result.Add(full);
                    }
                }
            }

            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>A package's best compile folder in the cache, before any restore wrote project.assets.json.</summary>
    private static string? FromCache(string cache, PackageReferenceItem package, int? major)
    {
        var packageDir = Path.Combine(cache, package.Id.ToLowerInvariant());
        if (package.Id.Contains("..", StringComparison.Ordinal) || !Directory.Exists(packageDir))
        {
            return null;
        }

        var versions = Directory.EnumerateDirectories(packageDir).Select(Path.GetFileName).OfType<string>().ToList();
        var version = package.Version is { } wanted && versions.Contains(wanted.ToLowerInvariant(), StringComparer.OrdinalIgnoreCase)
            ? wanted.ToLowerInvariant()
            : versions.Select(v => (Text: v, Parsed: Version.TryParse(v.Split('-')[0], out var parsed) ? parsed : null)).Where(v => v.Parsed is not null).OrderByDescending(v => v.Parsed).Select(v => v.Text).FirstOrDefault();
        if (version is null)
        {
            return null;
        }

        foreach (var kind in new[] { "ref", "lib" })
        {
            var dir = Path.Combine(packageDir, version, kind);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            var best = Directory.EnumerateDirectories(dir)
                .Select(d => (Dir: d, Score: TfmScore(Path.GetFileName(d), major ?? 99)))
                .Where(d => d.Score > 0)
                .OrderByDescending(d => d.Score)
                .Select(d => d.Dir)
                .FirstOrDefault();
            if (best is not null && Directory.EnumerateFiles(best, "*.dll").FirstOrDefault() is { } dll)
            {
                return dll;
            }
        }

        return null;
    }

    /// <summary>Higher is a better match for a .NET (Core) target of the given major version; 0 = unusable.</summary>
    private static int TfmScore(string tfm, int major)
    {
        tfm = tfm.ToLowerInvariant();
        if (tfm.StartsWith("netstandard", StringComparison.Ordinal))
        {
            return double.TryParse(tfm["netstandard".Length..], System.Globalization.CultureInfo.InvariantCulture, out var v) ? (int)(v * 10) : 1;
        }

        if (tfm.StartsWith("netcoreapp", StringComparison.Ordinal))
        {
            return 30;
        }

        if (tfm.StartsWith("net", StringComparison.Ordinal) && tfm.Contains('.', StringComparison.Ordinal)
            && int.TryParse(tfm[3..tfm.IndexOf('.', StringComparison.Ordinal)], out var netMajor) && netMajor >= 5)
        {
            return netMajor <= major ? 100 + netMajor : 0;
        }

        return 0;
    }

    private static MetadataReference? Reference(string dllPath)
    {
        if (s_cache.TryGetValue(dllPath, out var cached))
        {
            return cached;
        }

        try
        {
            var xml = Path.ChangeExtension(dllPath, ".xml");
            var docs = File.Exists(xml) ? XmlDocumentationProvider.CreateFromFile(xml) : null;
            var reference = MetadataReference.CreateFromFile(dllPath, MetadataReferenceProperties.Assembly, docs);
            return s_cache.GetOrAdd(dllPath, reference);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            return null;
        }
    }
}
