using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Context.Tests;

/// <summary>Issue 15 §4 in the provider: the context's layout follows the model in use (<see cref="RoslynContextProvider.StyleSource"/>).</summary>
public sealed class RepoLevelContextStyleTests
{
    private const string ServicePath = "Services/RestockService.cs";

    private static readonly ContextStyle s_qwen = new(new RepoLayout("<|file_sep|>", 7, "<|repo_name|>", 6));

    [Fact]
    public async Task BuildContext_ModelWithRepoTokensLoads_SectionsBecomeFilesEndingWithTheCurrentFilesHeader()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        ContextStyle? style = null;
        const int Limit = 300;
        using var provider = new RoslynContextProvider([workspace.Folder], new AnalysisOptions(), TokenEstimate.Instance, ServerLog.Silent)
        {
            StyleSource = () => style,
            PromptContextLimit = () => Limit,
        };
        var source = File.ReadAllText(Path.Combine(workspace.Folder, ServicePath)).Replace("        return total;", "        var left = _warehouse.$$\n        return total;", StringComparison.Ordinal);
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, source);

        var before = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        style = s_qwen;
        var after = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.All(before!.Sections, s => Assert.StartsWith("// ", s.Text, StringComparison.Ordinal));
        Assert.DoesNotContain(before.Sections, s => s.Name == RoslynContextProvider.CurrentFileSection);
        Assert.All(after!.Sections, s => Assert.StartsWith("<|file_sep|>", s.Text, StringComparison.Ordinal));
        Assert.DoesNotContain(after.Rendered!.Split('\n'), line => line.StartsWith("// ", StringComparison.Ordinal));
        Assert.Equal(new ContextSection(RoslynContextProvider.CurrentFileSection, "<|file_sep|>RestockService.cs\n", TokenEstimate.Count("<|file_sep|>RestockService.cs\n")), after.Sections[^1]);
        Assert.True(after.Sections.Count >= 2, "other files come before the current file's header");
        Assert.InRange(after.Tokens, 1, Limit);
    }

    [Fact]
    public void Render_FilesStyle_MarkerTextInQuotedCodeIsSpelledApart()
    {
        var text = ContextRenderer.Render(s_qwen, "Markers.cs", ["const string Sep = \"<|file_sep|>\";"]);

        Assert.Equal("<|file_sep|>Markers.cs\nconst string Sep = \"< |file_sep|>\";\n", text);
    }
}
