using LspCopilot.Completion;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

/// <summary>The sources of context lines beyond the window (issue 15 §2), each in a small workspace of its own.</summary>
public sealed class ContextSourcesTests
{
    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
        </Project>
        """;

    private static async Task<ContextResult> ContextAtAsync(TempWorkspace workspace, string path, string textWithCaret, AnalysisOptions? options = null)
    {
        using var provider = workspace.Provider(options);
        var (document, offset) = await workspace.OpenAsync(provider, path, textWithCaret);
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        Assert.NotNull(context);
        return context;
    }

    private static string Section(ContextResult context, string name) =>
        context.Sections.SingleOrDefault(s => s.Name == name)?.Text ?? string.Empty;

    [Fact]
    public async Task BuildContext_BaseClassInAnotherFile_ListsItsProtectedHelpersWithSignatures()
    {
        using var workspace = TempWorkspace.Create(
            ("App.csproj", Project),
            ("Parsing/ParserBase.cs", """
                namespace App.Parsing;

                public abstract class ParserBase
                {
                    protected int Position { get; set; }

                    protected bool TryConsume(char expected, out int at) { at = Position; return true; }

                    protected static string Describe(char c) => c.ToString();

                    private void Hidden() { }
                }
                """),
            ("Parsing/CsvParser.cs", """
                namespace App.Parsing;

                public sealed class CsvParser : ParserBase
                {
                    public int Fields(string line)
                    {
                        $$
                    }
                }
                """));

        var context = await ContextAtAsync(workspace, "Parsing/CsvParser.cs", File.ReadAllText(workspace.PathOf("Parsing/CsvParser.cs")));

        var inherited = Section(context, InheritedMembers.SectionName);
        Assert.Contains("abstract class App.Parsing.ParserBase", inherited, StringComparison.Ordinal);
        Assert.Contains("protected int Position { get; set; }", inherited, StringComparison.Ordinal);
        Assert.Contains("protected bool TryConsume(char expected, out int at)", inherited, StringComparison.Ordinal);
        Assert.Contains("protected static string Describe(char c)", inherited, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden", inherited, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_EnumUsedBySiblingFiles_AppearsWithAllItsMembers()
    {
        using var workspace = TempWorkspace.Create(
            ("App.csproj", Project),
            ("Domain/OrderStatus.cs", "namespace App.Domain;\n\npublic enum OrderStatus { Draft, Submitted, Paid, Cancelled }\n"),
            ("Domain/Order.cs", "namespace App.Domain;\n\npublic sealed class Order\n{\n    public OrderStatus Status { get; set; }\n}\n"),
            ("Services/Archive.cs", "namespace App.Services;\nusing App.Domain;\n\npublic sealed class Archive\n{\n    public bool Keeps(Order order) => order.Status == OrderStatus.Paid;\n}\n"),
            ("Services/Billing.cs", "namespace App.Services;\nusing App.Domain;\n\npublic sealed class Billing\n{\n    public decimal Bill(Order order) => order.Status == OrderStatus.Draft ? 0 : 1;\n}\n"),
            ("Services/Reports.cs", """
                namespace App.Services;
                using App.Domain;

                public sealed class Reports
                {
                    public int Count(List<Order> orders)
                    {
                        var count = 0;
                        $$
                        return count;
                    }
                }
                """));

        var context = await ContextAtAsync(workspace, "Services/Reports.cs", File.ReadAllText(workspace.PathOf("Services/Reports.cs")));

        Assert.Contains("enum App.Domain.OrderStatus { Draft, Submitted, Paid, Cancelled }", context.Rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_ExtensionMethodOnATypeInPlay_AppearsBeforeTheDot()
    {
        using var workspace = TempWorkspace.Create(
            ("App.csproj", Project),
            ("Money.cs", "namespace App;\n\npublic readonly record struct Money(decimal Amount, string Currency);\n"),
            ("MoneyExtensions.cs", """
                namespace App;

                public static class MoneyExtensions
                {
                    public static Money Total(this IEnumerable<Money> amounts, string currency) => new(amounts.Sum(a => a.Amount), currency);

                    public static string Shout(this string text) => text.ToUpperInvariant();
                }
                """),
            ("Ledger.cs", """
                namespace App;

                public sealed class Ledger
                {
                    private readonly List<Money> _entries = [];

                    public void Close()
                    {
                        $$
                    }
                }
                """));

        var context = await ContextAtAsync(workspace, "Ledger.cs", File.ReadAllText(workspace.PathOf("Ledger.cs")));

        var extensions = Section(context, ExtensionsInPlay.SectionName);

        Assert.Contains("MoneyExtensions: Money Total(this IEnumerable<Money> amounts, string currency)", extensions, StringComparison.Ordinal);
        Assert.DoesNotContain("Shout", extensions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_FieldOfATypeFromAnotherFile_ListsItsMembersBeforeTheDot()
    {
        using var workspace = TempWorkspace.Create(
            ("App.csproj", Project),
            ("Clock.cs", "namespace App;\n\npublic interface IClock\n{\n    DateTimeOffset UtcNow { get; }\n\n    DateOnly Today();\n}\n"),
            ("Scheduler.cs", """
                namespace App;

                public sealed class Scheduler(IClock clock)
                {
                    private readonly IClock _clock = clock;

                    public bool IsDue(DateTimeOffset at)
                    {
                        $$
                    }
                }
                """));

        var context = await ContextAtAsync(workspace, "Scheduler.cs", File.ReadAllText(workspace.PathOf("Scheduler.cs")));

        var types = Section(context, TypesInPlay.SectionName);
        Assert.Contains("interface App.IClock", types, StringComparison.Ordinal);
        Assert.Contains("DateTimeOffset UtcNow { get; }", types, StringComparison.Ordinal);
        Assert.Contains("DateOnly Today()", types, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_FuncOfTaskParameterAndCatchVariable_PrintTheirTypesExactly()
    {
        using var workspace = TempWorkspace.Create(
            ("App.csproj", Project),
            ("Outcome.cs", "namespace App;\n\npublic sealed record Outcome<T>(T? Value, Exception? Error);\n"),
            ("Retry.cs", """
                namespace App;

                public static class Retry
                {
                    public static async Task<Outcome<T>> RunAsync<T>(Func<Task<Outcome<T>>> attempt, int times)
                    {
                        try
                        {
                            return await attempt();
                        }
                        catch (Exception failure)
                        {
                            $$
                        }
                    }
                }
                """));

        // A window too small to show the declarations: the scope section must say their types, on the first
        // request (the document's model) and on the next keystroke (a speculative model of the edited body).
        var options = new AnalysisOptions { Window = new ContextWindow(PrefixTokens: 4, SuffixTokens: 4) };
        using var provider = workspace.Provider(options);
        var (document, offset) = await workspace.OpenAsync(provider, "Retry.cs", File.ReadAllText(workspace.PathOf("Retry.cs")));
        var first = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        var typed = new DocumentSnapshot(document.Uri, "csharp", 2, document.Text.WithChanges(new TextChange(new TextSpan(offset, 0), "r")));
        provider.OnDocumentChanged(typed.Uri, typed);
        var next = await provider.BuildContextAsync(typed, offset + 1, TestContext.Current.CancellationToken);

        Assert.Equal(1, provider.ModelReuse.Reused);
        foreach (var context in new[] { first!, next! })
        {
            var scope = Section(context, ScopeSummary.SectionName);
            Assert.Contains("parameter Func<Task<Outcome<T>>> attempt", scope, StringComparison.Ordinal);
            Assert.Contains("local Exception failure", scope, StringComparison.Ordinal);
            Assert.DoesNotContain(" ? ", scope, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BuildContext_TypesRoslynCannotResolve_PrintAsWrittenNeverAsQuestionMarks()
    {
        using var workspace = TempWorkspace.Create(
            ("App.csproj", Project),
            ("Runner.cs", """
                namespace App;

                public static class Runner
                {
                    public static void Run(Acme.Widget widget, Func<Task<Acme.Gadget>> make)
                    {
                        try
                        {
                        }
                        catch (AcmeFault fault)
                        {
                            $$
                        }
                    }
                }
                """));
        var options = new AnalysisOptions { Window = new ContextWindow(PrefixTokens: 4, SuffixTokens: 4) };

        var context = await ContextAtAsync(workspace, "Runner.cs", File.ReadAllText(workspace.PathOf("Runner.cs")), options);

        var scope = Section(context, ScopeSummary.SectionName);
        Assert.Contains("parameter Acme.Widget widget", scope, StringComparison.Ordinal);
        Assert.Contains("parameter Func<Task<Acme.Gadget>> make", scope, StringComparison.Ordinal);
        Assert.Contains("local AcmeFault fault", scope, StringComparison.Ordinal);
        Assert.DoesNotContain(" ? ", scope, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_OutlineLinesTheWindowShows_AreNotRepeated()
    {
        var filler = string.Concat(Enumerable.Range(0, 60).Select(i => $"    public int Filler{i}(int value) => value + {i};\n\n"));
        var text = "namespace App;\n\npublic sealed class Big\n{\n    private readonly int _seed = 3;\n\n"
            + filler
            + "    public int Near(int value) => value * 2;\n\n"
            + "    public int Compute(int value)\n    {\n        $$\n    }\n\n"
            + "    public int After(int value) => value - 1;\n}\n";
        using var workspace = TempWorkspace.Create(("App.csproj", Project), ("Big.cs", text.Replace("$$", string.Empty, StringComparison.Ordinal)));

        var context = await ContextAtAsync(workspace, "Big.cs", text);

        var outline = Section(context, TypeOutline.SectionName);
        Assert.Contains("private readonly int _seed", outline, StringComparison.Ordinal);
        Assert.Contains("public int Filler0(int value)", outline, StringComparison.Ordinal);
        Assert.DoesNotContain("Near(", outline, StringComparison.Ordinal);
        Assert.DoesNotContain("After(", outline, StringComparison.Ordinal);
        Assert.DoesNotContain("Compute(", outline, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(150)]
    [InlineData(400)]
    [InlineData(1024)]
    public async Task BuildContext_ManySources_TotalNeverExceedsTheBudget(int budget)
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var options = new AnalysisOptions { Budget = new ContextBudget().ScaledTo(budget) };
        const string Path = "Services/RestockService.cs";
        var original = File.ReadAllText(workspace.PathOf(Path));
        var text = original.Replace("        return total;", "        $$\n        return total;", StringComparison.Ordinal);
        Assert.NotEqual(original, text);

        var context = await ContextAtAsync(workspace, Path, text, options);

        Assert.True(TokenEstimate.Count(context.Rendered ?? string.Empty) <= budget, $"{TokenEstimate.Count(context.Rendered ?? string.Empty)} tokens for a budget of {budget}");
        Assert.Equal(context.Rendered ?? string.Empty, string.Concat(context.Sections.Select(s => s.Text)));
    }
}
