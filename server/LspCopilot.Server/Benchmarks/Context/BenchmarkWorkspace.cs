using System.Globalization;
using System.Text;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// Writes the benchmark's workspace: a project of small model classes (properties, methods with doc
/// comments, references to each other) and one big service class that uses them, where the typing
/// happens. Deterministic: the same options write the same files.
/// </summary>
public static class BenchmarkWorkspace
{
    /// <summary>The project file of a benchmark workspace: an SDK-style net10.0 library (the soak uses it too).</summary>
    internal const string ProjectFile = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
        </Project>
        """;

    public const string BigFileName = "BigService.cs";

    /// <summary>Writes the files under <paramref name="folder"/>; returns the big file's path.</summary>
    public static string Write(string folder, int files, int bigFileLines)
    {
        var models = Math.Max(1, files - 1);
        Directory.CreateDirectory(Path.Combine(folder, "Models"));
        Directory.CreateDirectory(Path.Combine(folder, "Services"));
        File.WriteAllText(Path.Combine(folder, "Bench.csproj"), ProjectFile);
        for (var i = 0; i < models; i++)
        {
            File.WriteAllText(Path.Combine(folder, "Models", $"Entity{i}.cs"), Model(i, models));
        }

        var big = Path.Combine(folder, "Services", BigFileName);
        File.WriteAllText(big, BigService(models, bigFileLines));
        return big;
    }

    private static string Model(int i, int count)
    {
        var next = (i + 1) % count;
        return string.Create(CultureInfo.InvariantCulture, $$"""
            namespace Bench.Models;

            /// <summary>Entity number {{i}} of the benchmark model.</summary>
            public sealed class Entity{{i}}
            {
                public int Id { get; set; }

                public string Name { get; set; } = "entity{{i}}";

                /// <summary>How many units are reserved.</summary>
                public int Reserved { get; private set; }

                public decimal Price { get; set; } = {{i}}m;

                public List<string> Tags { get; } = [];

                /// <summary>Combines the price with a factor and an offset.</summary>
                public decimal Compute(int factor, decimal offset = 0m) => Price * factor + offset;

                /// <summary>Reserves units; returns false when the count is not positive.</summary>
                public bool Reserve(int count)
                {
                    if (count <= 0)
                    {
                        return false;
                    }

                    Reserved += count;
                    return true;
                }

                public Entity{{next}} Link() => new() { Id = Id + 1 };

                public override string ToString() => $"{Name} #{Id}";
            }

            """);
    }

    /// <summary>A class of many ~10-line methods using the models, padded to the requested length.</summary>
    private static string BigService(int models, int lines)
    {
        var sb = new StringBuilder();
        sb.Append("using Bench.Models;\n\nnamespace Bench.Services;\n\npublic sealed class BigService\n{\n");
        var fields = Math.Min(models, 40);
        for (var f = 0; f < fields; f++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    private readonly Entity{f} _e{f} = new();\n");
        }

        sb.Append('\n');
        const int LinesPerMethod = 13;
        var written = 7 + fields;
        var method = 0;
        while (written + LinesPerMethod + 2 <= lines)
        {
            written += LinesPerMethod;
            var a = method % fields;
            var b = (method * 7 + 3) % fields;
            sb.Append(CultureInfo.InvariantCulture, $$"""
                    /// <summary>Step {{method}} of the pipeline.</summary>
                    public decimal Step{{method}}(int count)
                    {
                        var total = _e{{a}}.Compute(count);
                        if (_e{{b}}.Reserve(count))
                        {
                            total += _e{{b}}.Price;
                        }

                        var name = _e{{a}}.Name + _e{{b}}.Name;
                        return total + name.Length;
                    }


                """);
            method++;
        }

        sb.Append("    public int Count => 0;\n}\n");
        return sb.ToString();
    }
}
