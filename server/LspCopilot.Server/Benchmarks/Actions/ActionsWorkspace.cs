using System.Globalization;
using System.Text;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// The benchmark's C# project: one file with a small method to list and refactor and a long one to explain, written
/// again for each revision (new names, so nothing is cached), with a comment line whose end takes completions.
/// </summary>
internal sealed class ActionsWorkspace
{
    private readonly string _file;

    public ActionsWorkspace(string folder, int reportLines)
    {
        File.WriteAllText(Path.Combine(folder, "Bench.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>");
        _file = Path.Combine(folder, "Ledger.cs");
        ReportLines = reportLines;
        Uri = new Uri(_file).AbsoluteUri;
    }

    public string Uri { get; }

    /// <summary>Pairs of statement lines in the explained method.</summary>
    public int ReportLines { get; set; }

    /// <summary>The explained method: <paramref name="lines"/> statements, its names made of <paramref name="revision"/>.</summary>
    public static string Report(int revision, int lines)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"    public string Report{revision}(int[] values, string title)\n    {{\n");
        text.Append(CultureInfo.InvariantCulture, $"        var text{revision} = title + \" revision {revision}\";\n");
        for (var i = 0; i < lines; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"        var part{i} = values.Length > {i % 7} ? values[{i % 7}] * {i + 3} : {revision + i};\n");
            text.Append(CultureInfo.InvariantCulture, $"        text{revision} = text{revision} + \" line {i}: \" + part{i};\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"        return text{revision};\n    }}\n");
        return text.ToString();
    }

    public string Write(int revision)
    {
        var text = Text(revision);
        File.WriteAllText(_file, text);
        return text;
    }

    /// <summary>The whole of the long method.</summary>
    public Protocol.Range ReportRange(int revision)
    {
        var header = Header(revision).Count(c => c == '\n');
        var lines = Report(revision, ReportLines).Count(c => c == '\n');
        return new Protocol.Range(new Position(header, 0), new Position(header + lines, 0));
    }

    /// <summary>The body of the small method.</summary>
    public Protocol.Range SumRange => new(new Position(7, 0), new Position(14, 0));

    /// <summary>The end of the revision's comment line, inside the small method.</summary>
    public Position CompletionPosition(int revision) => new(6, Comment(revision).Length);

    private string Text(int revision) => Header(revision) + Report(revision, ReportLines) + "}\n";

    private static string Comment(int revision) => $"        // Revision {revision} adds the values and then the";

    private static string Header(int revision) =>
        "namespace Bench;\n" +
        "\n" +
        "public class Ledger\n" +
        "{\n" +
        "    public int Sum(int[] values)\n" +
        "    {\n" +
        Comment(revision) + "\n" +
        "        var total = 0;\n" +
        "        foreach (var value in values)\n" +
        "        {\n" +
        "            total += value;\n" +
        "        }\n" +
        "\n" +
        "        return total;\n" +
        "    }\n" +
        "\n";
}
