using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>Roslyn project settings from a project file (or the defaults for a loose file).</summary>
public static class ProjectInfoFactory
{
    /// <summary>Name of the generated document that holds the implicit global usings; it has no file on disk.</summary>
    public const string GlobalUsingsName = "LspCopilot.GlobalUsings.g.cs";

    public static ProjectInfo Create(ProjectId id, string name, ProjectFileInfo? project, IReadOnlyList<MetadataReference> references, IEnumerable<DocumentInfo> documents)
    {
        var parse = ParseOptions(project);
        var compilation = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: project is null || project.Nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable,
            allowUnsafe: project?.AllowUnsafeBlocks ?? true,
            concurrentBuild: false);

        var usings = GlobalUsings(project);
        var all = documents.ToList();
        if (usings.Count > 0)
        {
            var text = SourceText.From(string.Concat(usings.Select(u => $"global using global::{u};\n")));
            all.Add(DocumentInfo.Create(
                DocumentId.CreateNewId(id, GlobalUsingsName),
                GlobalUsingsName,
                loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create())),
                isGenerated: true));
        }

        return ProjectInfo.Create(
            id,
            VersionStamp.Create(),
            name,
            name,
            LanguageNames.CSharp,
            filePath: project?.FilePath,
            compilationOptions: compilation,
            parseOptions: parse,
            documents: all,
            metadataReferences: references);
    }

    public static CSharpParseOptions ParseOptions(ProjectFileInfo? project)
    {
        var version = LanguageVersion.Latest;
        if (project?.LangVersion is { } text && LanguageVersionFacts.TryParse(text, out var parsed))
        {
            version = parsed;
        }

        return new CSharpParseOptions(version, DocumentationMode.Parse, SourceCodeKind.Regular, PreprocessorSymbols(project?.TargetFramework));
    }

    /// <summary>The symbols the SDK defines for a target framework, so #if NET8_0_OR_GREATER code is live.</summary>
    private static List<string> PreprocessorSymbols(string? tfm)
    {
        List<string> symbols = ["DEBUG", "TRACE"];
        var name = tfm?.Split('-')[0].ToLowerInvariant();
        if (name is not null && name.StartsWith("net", StringComparison.Ordinal) && name.Contains('.', StringComparison.Ordinal)
            && int.TryParse(name[3..name.IndexOf('.', StringComparison.Ordinal)], out var major) && major >= 5)
        {
            symbols.AddRange(["NET", "NETCOREAPP", $"NET{major}_0"]);
            for (var v = 5; v <= major; v++)
            {
                symbols.Add($"NET{v}_0_OR_GREATER");
            }
        }

        return symbols;
    }

    private static List<string> GlobalUsings(ProjectFileInfo? project)
    {
        // A file without a project gets the SDK's default set: most modern files rely on it.
        var usings = project is null || project.ImplicitUsings
            ? new List<string>(ReferenceResolver.ImplicitUsings(project?.Sdk ?? "Microsoft.NET.Sdk"))
            : [];
        usings.AddRange(project?.Usings ?? []);
        return [.. usings.Distinct(StringComparer.Ordinal)];
    }
}
