using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>Typing in an expression-bodied member reuses nothing Roslyn cannot speculate on (it threw inside Roslyn before).</summary>
public sealed class ExpressionBodyEditTests
{
    private const string Source = "class Program\n{\n    object M(System.Text.StringBuilder builder, System.Uri uri) => CARET\n}\n";

    [Fact]
    public async Task BuildContext_EditInsideAnExpressionBody_ReceiverOfTheNewText()
    {
        using var workspace = TempWorkspace.Create(("App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>"));
        using var provider = workspace.Provider();
        var (first, firstOffset) = await workspace.OpenAsync(provider, "Program.cs", Source.Replace("CARET", "builder.$$", StringComparison.Ordinal));
        await provider.BuildContextAsync(first, firstOffset, TestContext.Current.CancellationToken);
        var (second, offset) = await workspace.OpenAsync(provider, "Program.cs", Source.Replace("CARET", "uri.$$", StringComparison.Ordinal));

        var context = await provider.BuildContextAsync(second, offset, TestContext.Current.CancellationToken);

        Assert.Contains("AbsoluteUri", context!.Sections.Single(s => s.Name == ReceiverMembers.SectionName).Text, StringComparison.Ordinal);
    }
}
