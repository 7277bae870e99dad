using LspCopilot.Completion.CodeActions;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

/// <summary>The compile check of a code action's proposals: the whole project before and after, formatted.</summary>
public sealed class RefactorCheckTests
{
    private const string Project = "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>";

    private const string Calculator = "namespace App;\n\npublic class Calculator\n{\n    public int Twice(int value)\n    {\n        return value + value;$$\n    }\n}\n";

    private const string Caller = "namespace App;\n\npublic static class Program\n{\n    public static int Run() => new Calculator().Twice(2);\n}\n";

    [Fact]
    public async Task Check_SignatureChangeThatBreaksACallerInAnotherFile_CountsThatError()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project), ("Program.cs", Caller));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Calculator.cs", Calculator);
        var member = await provider.TargetAsync(document, new TextSpan(offset, 0), TestContext.Current.CancellationToken);

        var check = await provider.BeginCheckAsync(document, member!.Value, null, TestContext.Current.CancellationToken);
        var verdict = await check.CheckAsync("public int Twice(int value, int times) => value * times;", TestContext.Current.CancellationToken);

        Assert.True(verdict.Checked);
        Assert.False(verdict.Clean);
        Assert.Contains(verdict.AddedErrors, e => e.StartsWith("Program.cs: CS7036", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_CleanProposal_FormattedInPlace_NoAddedErrors()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project), ("Program.cs", Caller));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Calculator.cs", Calculator);
        var member = await provider.TargetAsync(document, new TextSpan(offset, 0), TestContext.Current.CancellationToken);

        var check = await provider.BeginCheckAsync(document, member!.Value, null, TestContext.Current.CancellationToken);
        var verdict = await check.CheckAsync("public int Twice(int value)\n{\nreturn   value*2;\n}", TestContext.Current.CancellationToken);

        Assert.True(verdict.Clean);
        Assert.Contains("    public int Twice(int value)\n    {\n        return value * 2;\n    }\n", verdict.NewText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BeginCheck_DiagnosticToFixNoLongerReported_SaysThereIsNothingToFix()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", Project));
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, "Calculator.cs", Calculator);
        var gone = new CodeDiagnostic("CS0103", "The name 'valu' does not exist in the current context", true, new TextSpan(offset, 0));

        var error = await Assert.ThrowsAsync<CodeActionException>(() => provider.BeginCheckAsync(document, new TextSpan(offset, 0), gone, TestContext.Current.CancellationToken));

        Assert.Contains("no longer reported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("return a + b;", CodeShapeKind.Statements)]
    [InlineData("public int Add(int a, int b) => a + b;", CodeShapeKind.Members)]
    [InlineData("a + b", CodeShapeKind.Expression)]
    [InlineData("This code adds two numbers.", CodeShapeKind.Unknown)]
    public void Shape_OfCodeAndOfProse(string text, CodeShapeKind expected) => Assert.Equal(expected, CodeShape.Of(text));

    [Theory]
    [InlineData(CodeShapeKind.Statements, "var x = 1;\nreturn x;", true)]
    [InlineData(CodeShapeKind.Statements, "Here is the simplified version:", false)]
    [InlineData(CodeShapeKind.Members, "return a + b;", false)]
    [InlineData(CodeShapeKind.Members, "public void M() { }", true)]
    public void Matches_TheShapeBeingReplaced(CodeShapeKind shape, string text, bool expected) => Assert.Equal(expected, CodeShape.Matches(shape, text));
}
