using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Server.Benchmarks.ContextQuality;
using LspCopilot.Server.Cli;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Benchmarks;

public sealed class ContextQualityTests
{
    private const string ProjectFile = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
        </Project>
        """;

    private const string Shapes = """
        namespace Geo;

        public enum Color { Red, Green }

        public static class Units
        {
            public const double Scale = 2.0;

            public static double Square(double x) => x * x;
        }

        public abstract class Shape
        {
            public Color Fill { get; set; }

            protected double Grow(double value) => value * Units.Scale;
        }

        public static class ShapeExtensions
        {
            public static bool IsRed(this Shape shape) => shape.Fill == Color.Red;
        }
        """;

    private const string Circle = """
        namespace Geo;

        public sealed class Circle : Shape
        {
            private readonly double _radius;

            public Func<int> Counter { get; } = () =>
            {
                return 1;
            };

            public Circle(double radius)
            {
                _radius = radius;
            }

            public double Area
            {
                get
                {
                    return Units.Square(_radius) * Math.PI;
                }
            }

            public double Scaled(double factor)
            {
                var local = Grow(_radius) * factor;
                Fill = Color.Green;
                var red = this.IsRed();
                return Half(local) + Area;
            }

            private static double Half(double value) => value / 2;
        }
        """;

    [Fact]
    public async Task Candidates_MemberBodies_OnlyTheirStatementsCutToTheLineEnd()
    {
        var project = await LoadAsync(("Geo.csproj", ProjectFile), ("Shapes.cs", Shapes), ("Circle.cs", Circle));
        var circle = project.Files.Single(f => f.Path.EndsWith("Circle.cs", StringComparison.Ordinal));

        var removed = StatementPicker.Candidates(project, circle).Select(s => s.RemovedText).ToList();

        Assert.Equal(
            new[]
            {
                "_radius = radius;",
                "return Units.Square(_radius) * Math.PI;",
                "var local = Grow(_radius) * factor;",
                "Fill = Color.Green;",
                "var red = this.IsRed();",
                "return Half(local) + Area;",
            },
            removed);
    }

    [Fact]
    public async Task Pick_SameSeed_SameStatementsInCandidateOrder()
    {
        var project = await CorpusProject.LoadAsync(CorpusFolder("TextKit"), TestContext.Current.CancellationToken);
        var candidates = StatementPicker.Candidates([project]);

        var first = StatementPicker.Pick(candidates, 40, seed: 7);
        var again = StatementPicker.Pick(candidates, 40, seed: 7);
        var other = StatementPicker.Pick(candidates, 40, seed: 8);

        Assert.Equal(40, first.Distinct().Count());
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        var positions = first.Select(s => candidates.ToList().IndexOf(s)).ToList();
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public async Task Pick_MoreThanThereAre_TakesEveryCandidateOnce()
    {
        var project = await LoadAsync(("Geo.csproj", ProjectFile), ("Shapes.cs", Shapes), ("Circle.cs", Circle));
        var candidates = StatementPicker.Candidates([project]);

        var picked = StatementPicker.Pick(candidates, 1000, seed: 1);

        Assert.Equal(candidates, picked);
    }

    [Fact]
    public async Task NeededNames_CrossFileDeclarations_FoundWithTheirKinds()
    {
        var project = await LoadAsync(("Geo.csproj", ProjectFile), ("Shapes.cs", Shapes), ("Circle.cs", Circle));
        var statements = StatementPicker.Candidates([project]).ToDictionary(s => s.RemovedText);

        NeededName[] Needed(string statement) => [.. NeededNames.In(statements[statement].File, statements[statement].Removed)];

        Assert.Equal(new[] { new NeededName("Units", NeededKind.Type), new NeededName("Square", NeededKind.StaticMember) }, Needed("return Units.Square(_radius) * Math.PI;"));
        Assert.Equal(new[] { new NeededName("Grow", NeededKind.Member) }, Needed("var local = Grow(_radius) * factor;"));
        Assert.Equal(new[] { new NeededName("Fill", NeededKind.Member), new NeededName("Color", NeededKind.Type), new NeededName("Green", NeededKind.EnumMember) }, Needed("Fill = Color.Green;"));
        Assert.Equal(new[] { new NeededName("IsRed", NeededKind.ExtensionMethod) }, Needed("var red = this.IsRed();"));
    }

    [Fact]
    public async Task NeededNames_SameFileLocalsParametersAndFramework_Excluded()
    {
        var project = await LoadAsync(("Geo.csproj", ProjectFile), ("Shapes.cs", Shapes), ("Circle.cs", Circle));
        var statements = StatementPicker.Candidates([project]).ToDictionary(s => s.RemovedText);

        // _radius and radius are this file's; Half and Area are declared in Circle.cs; Math is the framework's.
        Assert.Empty(NeededNames.In(statements["_radius = radius;"].File, statements["_radius = radius;"].Removed));
        Assert.Empty(NeededNames.In(statements["return Half(local) + Area;"].File, statements["return Half(local) + Area;"].Removed));
    }

    [Theory]
    [InlineData("var total = item.Price;", true)]
    [InlineData("Price", true)]
    [InlineData("(Price)", true)]
    [InlineData("var list = PriceList;", false)]
    [InlineData("var x = UnitPrice;", false)]
    [InlineData("_Price + Price2", false)]
    [InlineData("PriceList + Price", true)]
    public void WholeIdentifier_Occurs_OnlyAsAWholeName(string text, bool expected) =>
        Assert.Equal(expected, WholeIdentifier.Occurs(text, "Price"));

    [Fact]
    public void BaselineWindow_MiddleOfTheFile_ThreeQuartersBeforeOneAfter()
    {
        var text = string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i:D3}\n"));

        var (prefix, suffix) = BaselineWindow.Around(text, 500, 400);

        Assert.Equal(text[200..500], prefix);
        Assert.Equal(text[500..600], suffix);
    }

    [Theory]
    [InlineData(50, 400, 50, 350)]
    [InlineData(950, 400, 350, 50)]
    [InlineData(500, 5000, 500, 500)]
    [InlineData(0, 0, 0, 0)]
    public void BaselineWindow_NearAnEdge_TheOtherSideTakesTheRest(int offset, int length, int prefixLength, int suffixLength)
    {
        var text = new string('x', 1000);

        var (prefix, suffix) = BaselineWindow.Around(text, offset, length);

        Assert.Equal((prefixLength, suffixLength), (prefix.Length, suffix.Length));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(7, 2)]
    [InlineData(3584, 1024)]
    public async Task CodeTokenEstimate_ThreeAndAHalfCharsPerToken_RoundsUp(int chars, int tokens)
    {
        var counted = await new CodeTokenEstimate().CountTokensAsync([new string('x', chars)], TestContext.Current.CancellationToken);

        Assert.Equal(tokens, Assert.Single(counted));
    }

    [Fact]
    public async Task PromptAtAsync_ContextCommandsBudgetAndCounter_IsTheContextCommandsPrompt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var workspace = TempWorkspace.FromFixture(Path.Combine("ContextQuality", "Pipeline"));
        var project = await CorpusProject.LoadAsync(workspace.Folder, ct);
        using var provider = new RoslynContextProvider([workspace.Folder], new AnalysisOptions(), new CodeTokenEstimate(4), ServerLog.Silent);
        var version = 0;
        foreach (var statement in StatementPicker.Pick(StatementPicker.Candidates([project]), 4, seed: 3))
        {
            var (_, prompt, _, _) = await ContextQualityBenchmark.PromptAtAsync(provider, statement, version, ct);
            version += 2;

            // lspcopilot context on the same file with the same text removed (it reads the file from disk).
            await File.WriteAllTextAsync(statement.File.Path, statement.MaskedText.ToString(), ct);
            var cursor = statement.MaskedText.Lines.GetLinePosition(statement.Offset);
            var stdout = new StringWriter();
            var code = await ContextCommand.RunAsync(new FileInfo(statement.File.Path), cursor.Line + 1, cursor.Character + 1, null, new AnalysisOptions(), json: true, ServerLog.Silent, stdout, new StringWriter(), ct);
            await File.WriteAllTextAsync(statement.File.Path, statement.File.Text.ToString(), ct);

            Assert.Equal(0, code);
            Assert.NotNull(prompt);
            using var json = JsonDocument.Parse(stdout.ToString());
            Assert.Equal(json.RootElement.GetProperty("prompt").GetString(), prompt.Text);
        }
    }

    [Fact]
    public async Task RunAsync_OneCorpusProject_ReportIsWellFormed()
    {
        var options = new ContextQualityOptions { Projects = new HashSet<string> { "Pipeline" }, Statements = 40, WarmUp = 1 };

        var report = await ContextQualityBenchmark.RunAsync(options, ServerLog.Silent, TestContext.Current.CancellationToken);

        Assert.Equal(["Pipeline"], report.Projects);
        Assert.Equal(40, report.Statements);
        Assert.Equal(0, report.CorpusCompileErrors);
        Assert.InRange(report.StatementsWithNeededNames, 1, report.Statements);
        Assert.InRange(report.NeededNames, report.StatementsWithNeededNames, int.MaxValue);
        foreach (var share in new[] { report.DeclarationRecall, report.AllPresentRate, report.BaselineRecall, report.BaselineAllPresentRate, report.UnseenRecall })
        {
            Assert.InRange(share, 0, 1);
        }

        Assert.Equal(report.NeededNames, report.ByKind.Values.Sum(k => k.Needed));
        Assert.Equal(report.NeededNames - report.ByKind.Values.Sum(k => k.InPrompt), report.Misses.Count);
        Assert.InRange(report.ContextTokensAvg, 1, report.BudgetTokens);
        using var json = JsonDocument.Parse(report.ToJson());
        Assert.Equal(report.DeclarationRecall - report.BaselineRecall, json.RootElement.GetProperty("recall_gain").GetDouble(), 6);
        Assert.Contains("declaration_recall - baseline_recall", report.ToTable(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CorpusOption_MeasuresEveryProjectOfThatFolder()
    {
        using var corpus = TempWorkspace.Create(("Geo/Geo.csproj", ProjectFile), ("Geo/Shapes.cs", Shapes), ("Geo/Circle.cs", Circle), ("NotAProject/Loose.cs", Shapes));
        var options = new ContextQualityOptions { Corpus = corpus.Folder, Statements = 100, WarmUp = 0 };

        var report = await ContextQualityBenchmark.RunAsync(options, ServerLog.Silent, TestContext.Current.CancellationToken);

        Assert.Equal(["Geo"], report.Projects);
        Assert.Equal(6, report.CandidateStatements);
        Assert.Equal(6, report.Statements);
        Assert.Equal(4, report.StatementsWithNeededNames);
        Assert.Equal(7, report.NeededNames);
    }

    [Fact]
    public async Task RunAsync_CorpusFolderMissing_SaysSoAndReturns2()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var missing = Path.Combine(Path.GetTempPath(), "no-such-corpus-" + Guid.NewGuid().ToString("N"));

        var code = await ContextQualityBenchmark.RunAsync(new ContextQualityOptions { Corpus = missing }, json: false, stdout, stderr, ServerLog.Silent, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains(missing, stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    private static string CorpusFolder(string project) =>
        Path.Combine(CorpusProject.Locate(null) ?? throw new InvalidOperationException("tests/fixtures/ContextQuality not found"), project);

    private static async Task<CorpusProject> LoadAsync(params (string Path, string Content)[] files)
    {
        using var workspace = TempWorkspace.Create(files);
        return await CorpusProject.LoadAsync(workspace.Folder, TestContext.Current.CancellationToken);
    }
}
