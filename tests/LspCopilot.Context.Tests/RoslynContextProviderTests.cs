using LspCopilot.Completion;
using LspCopilot.TestSupport;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Context.Tests;

public sealed class RoslynContextProviderTests
{
    private const string ServicePath = "Services/RestockService.cs";

    /// <summary>A prompt window that shows nothing: what a section lists, without the lines the window would make redundant.</summary>
    private static readonly AnalysisOptions s_noWindow = new() { Window = new ContextWindow(0, 0) };

    /// <summary>RestockService.cs of the Inventory fixture with <paramref name="statement"/> (holding the caret) added to RestockCost.</summary>
    private static string ServiceWith(string statement)
    {
        var original = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "fixtures", "Inventory", ServicePath));
        const string Anchor = "        return total;";
        Assert.Contains(Anchor, original, StringComparison.Ordinal);
        return original.Replace(Anchor, statement + "\n" + Anchor, StringComparison.Ordinal);
    }

    private static async Task<ContextResult> ContextAtAsync(TempWorkspace workspace, RoslynContextProvider provider, string statement)
    {
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith(statement));
        var context = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        Assert.NotNull(context);
        return context;
    }

    private static string Section(ContextResult context, string name) =>
        context.Sections.SingleOrDefault(s => s.Name == name)?.Text ?? string.Empty;

    [Fact]
    public async Task BuildContext_TokenCounting_AFewBatchesForANewCursorNoneForTheSameAgain()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var tokenizer = new CountingTokenizer();
        using var provider = workspace.Provider(tokenizer: tokenizer);
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        var left = _warehouse.$$"));

        var first = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        var afterFirst = tokenizer.Batches;
        var again = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.NotEmpty(first!.Sections);
        Assert.InRange(afterFirst, 1, 3);
        Assert.True(tokenizer.Texts > afterFirst, "batches hold many texts each");
        Assert.Equal(afterFirst, tokenizer.Batches);
        Assert.Equal(first.Rendered, again!.Rendered);
    }

    /// <summary>A tokenizer (the chars/4 rule) that counts the batches it is asked.</summary>
    private sealed class CountingTokenizer : ITokenCounter
    {
        public int Batches { get; private set; }

        public int Texts { get; private set; }

        public Task<IReadOnlyList<int>> CountTokensAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            Batches++;
            Texts += texts.Count;
            return TokenEstimate.Instance.CountTokensAsync(texts, cancellationToken);
        }
    }

    [Fact]
    public async Task BuildContext_AfterReceiverDot_ListsMembersOfItsTypeFromAnotherFile()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();

        var context = await ContextAtAsync(workspace, provider, "        var left = _warehouse.$$");

        var receiver = Section(context, ReceiverMembers.SectionName);
        Assert.Contains("class Inventory.Models.Warehouse", receiver, StringComparison.Ordinal);
        Assert.Contains("int QuantityOf(string productId) // How many units of the product are in stock (0 when unknown).", receiver, StringComparison.Ordinal);
        Assert.Contains("void Add(Product product, int quantity)", receiver, StringComparison.Ordinal);
        Assert.Contains("int Take(string productId, int quantity)", receiver, StringComparison.Ordinal);
        Assert.DoesNotContain("ToString", receiver, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_AfterReceiverDot_ReferencesDoNotRepeatTheReceiverType()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();

        var context = await ContextAtAsync(workspace, provider, "        var left = _warehouse.$$");

        var references = Section(context, ReferencedSymbols.SectionName);
        Assert.Contains("class Inventory.Models.Product", Section(context, TypesInPlay.SectionName), StringComparison.Ordinal);
        Assert.DoesNotContain("Warehouse.", references, StringComparison.Ordinal);
        Assert.DoesNotContain("class Inventory.Models.Warehouse", Section(context, TypesInPlay.SectionName), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_PartialNameAfterDot_KeepsMatchingMembersUnderATightBudget()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var options = new AnalysisOptions { Budget = new ContextBudget { Total = 60, Outline = 0, Receiver = 60, References = 0, Scope = 0 } };
        using var provider = workspace.Provider(options);

        var context = await ContextAtAsync(workspace, provider, "        var left = _warehouse.Ta$$");

        var receiver = Section(context, ReceiverMembers.SectionName);
        Assert.Contains("int Take(string productId, int quantity)", receiver, StringComparison.Ordinal);
        Assert.DoesNotContain("void Add(", receiver, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_CallToMethodInAnotherFile_ShowsItsSignatureAndSummary()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        workspace.Write("Models/Pricing.cs", """
            namespace Inventory.Models;

            public static class Pricing
            {
                /// <summary>Rounds a price to whole cents, half away from zero.</summary>
                public static decimal RoundCents(decimal price, int digits = 2) => Math.Round(price, digits, MidpointRounding.AwayFromZero);
            }
            """);
        using var provider = workspace.Provider();

        var context = await ContextAtAsync(workspace, provider, "        total = Pricing.RoundCents($$");

        var references = Section(context, ReferencedSymbols.SectionName);
        Assert.Contains("static decimal Pricing.RoundCents(decimal price, int digits = 2) // Rounds a price to whole cents, half away from zero.", references, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_LibraryMethod_ShowsDocSummaryFromReferenceAssemblies()
    {
        var runtime = new DirectoryInfo(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory());
        var packs = Path.Combine(runtime.Parent!.Parent!.Parent!.FullName, "packs", "Microsoft.NETCore.App.Ref");
        Assert.SkipUnless(Directory.Exists(packs) && Directory.EnumerateFiles(packs, "System.Runtime.xml", SearchOption.AllDirectories).Any(), $"No XML docs in the SDK's reference pack ({packs}).");
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();

        var context = await ContextAtAsync(workspace, provider, "        var joined = string.Join(\", \", $$");

        var references = Section(context, ReferencedSymbols.SectionName);
        Assert.Contains("string.Join(", references, StringComparison.Ordinal);
        Assert.Contains("// Concatenates", references, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_InsideMethod_OutlinesTheEnclosingTypeWithoutTheCurrentMember()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider(s_noWindow);

        var context = await ContextAtAsync(workspace, provider, "        $$");

        var outline = Section(context, TypeOutline.SectionName);
        Assert.Contains("public sealed class RestockService", outline, StringComparison.Ordinal);
        Assert.Contains("public IReadOnlyList<string> LowStock()", outline, StringComparison.Ordinal);
        Assert.Contains("public RestockService(Warehouse warehouse, int minimum)", outline, StringComparison.Ordinal);
        Assert.DoesNotContain("RestockCost", outline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_AssignmentInProgress_ShowsExpectedTypeAndLocals()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider(s_noWindow);

        var context = await ContextAtAsync(workspace, provider, "        decimal rounded = $$");

        var scope = Section(context, ScopeSummary.SectionName);
        Assert.Contains("expected type: decimal (initializes rounded)", scope, StringComparison.Ordinal);
        Assert.Contains("parameter decimal taxRate", scope, StringComparison.Ordinal);
        Assert.Contains("local decimal total", scope, StringComparison.Ordinal);
        Assert.DoesNotContain("local int missing", scope, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildContext_KeystrokeAnsweredSpeculatively_StillListsTheParameters()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider(s_noWindow);
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        decimal rounded = $$"));
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        var typed = new DocumentSnapshot(document.Uri, "csharp", 2, document.Text.WithChanges(new TextChange(new TextSpan(offset, 0), "t")));
        provider.OnDocumentChanged(typed.Uri, typed);
        var context = await provider.BuildContextAsync(typed, offset + 1, TestContext.Current.CancellationToken);

        Assert.Equal(1, provider.ModelReuse.Reused);
        var scope = Section(context!, ScopeSummary.SectionName);
        Assert.Contains("parameter decimal taxRate", scope, StringComparison.Ordinal);
        Assert.Contains("expected type: decimal (initializes rounded)", scope, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(250)]
    [InlineData(600)]
    public async Task BuildContext_TotalBudget_RenderedContextFitsIt(int budget)
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var options = new AnalysisOptions { Budget = new ContextBudget().ScaledTo(budget) };
        using var provider = workspace.Provider(options);

        var context = await ContextAtAsync(workspace, provider, "        var left = _warehouse.$$");

        Assert.True(TokenEstimate.Count(context.Rendered ?? string.Empty) <= budget, $"{context.Tokens} tokens for a budget of {budget}");
        Assert.Equal(budget == 0, context.Rendered is null);
    }

    [Fact]
    public async Task BuildContext_SmallSectionCaps_CompletionContextStillFillsTheTotalByExpectedUse()
    {
        // Section caps shape code actions' context (RenderAsync); a completion ranks every line against the total.
        using var workspace = TempWorkspace.FromFixture("Inventory");
        var budget = new ContextBudget { Total = 1000, Outline = 1, Receiver = 1, References = 1, Scope = 1 };
        using var provider = workspace.Provider(new AnalysisOptions { Budget = budget });

        var context = await ContextAtAsync(workspace, provider, "        var left = _warehouse.$$");

        Assert.Contains("int Take(string productId, int quantity)", Section(context, ReceiverMembers.SectionName), StringComparison.Ordinal);
        Assert.True(context.Tokens > 20 && TokenEstimate.Count(context.Rendered!) <= budget.Total, $"{context.Tokens} tokens");
    }

    [Fact]
    public async Task BuildContext_NextKeystroke_StartsWithTheSameSection()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        var left = _warehouse.Q$$"));
        var first = await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        var typed = new DocumentSnapshot(document.Uri, "csharp", 2, document.Text.WithChanges(new TextChange(new TextSpan(offset, 0), "u")));
        provider.OnDocumentChanged(typed.Uri, typed);
        var second = await provider.BuildContextAsync(typed, offset + 1, TestContext.Current.CancellationToken);

        Assert.Equal(first!.Sections[0].Name, second!.Sections[0].Name);
        Assert.Equal(first.Sections[0].Text, second.Sections[0].Text);
        Assert.Equal(first.Rendered, second.Rendered);
    }

    [Fact]
    public async Task BuildContext_FreshProviderSameCursor_IdenticalText()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        string? first;
        using (var provider = workspace.Provider())
        {
            first = (await ContextAtAsync(workspace, provider, "        total += _warehouse.$$")).Rendered;
        }

        using var again = workspace.Provider();
        var second = (await ContextAtAsync(workspace, again, "        total += _warehouse.$$")).Rendered;

        Assert.NotNull(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task OnDocumentChanged_KeystrokesInOneMethodBody_ReuseTheSemanticModel()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        var left = _warehouse.$$"));
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        var rebuiltAfterOpen = provider.ModelReuse.Rebuilt;

        foreach (var c in "QuantityOf(")
        {
            document = new DocumentSnapshot(document.Uri, "csharp", document.Version + 1, document.Text.WithChanges(new TextChange(new TextSpan(offset, 0), c.ToString())));
            offset++;
            provider.OnDocumentChanged(document.Uri, document);
            await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        }

        Assert.Equal(rebuiltAfterOpen, provider.ModelReuse.Rebuilt);
        Assert.True(provider.ModelReuse.Reused >= 11);
    }

    [Fact]
    public async Task OnDocumentChanged_EditsInTwoMethodBodies_StillReuseTheModel()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        total += 1;$$"));
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        var rebuilt = provider.ModelReuse.Rebuilt;

        // Type in LowStock, then back in RestockCost.
        var lowStock = document.Text.ToString().IndexOf("        return low;", StringComparison.Ordinal);
        document = new DocumentSnapshot(document.Uri, "csharp", 2, document.Text.WithChanges(new TextChange(new TextSpan(lowStock, 0), "        low.Sort();\n")));
        provider.OnDocumentChanged(document.Uri, document);
        await provider.BuildContextAsync(document, lowStock + 19, TestContext.Current.CancellationToken);
        offset += "        low.Sort();\n".Length;
        document = new DocumentSnapshot(document.Uri, "csharp", 3, document.Text.WithChanges(new TextChange(new TextSpan(offset, 0), " total += _warehouse.")));
        provider.OnDocumentChanged(document.Uri, document);
        var context = await provider.BuildContextAsync(document, offset + 21, TestContext.Current.CancellationToken);

        Assert.Equal(rebuilt, provider.ModelReuse.Rebuilt);
        Assert.Contains("int QuantityOf(string productId)", Section(context!, ReceiverMembers.SectionName), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnDocumentChanged_UnbalancedBraceInABody_NewModelSeesTheNewStructure()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        $$"));
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);
        var rebuilt = provider.ModelReuse.Rebuilt;

        document = new DocumentSnapshot(document.Uri, "csharp", 2, document.Text.WithChanges(new TextChange(new TextSpan(offset, 0), "if (total > 0) {")));
        provider.OnDocumentChanged(document.Uri, document);
        await provider.BuildContextAsync(document, offset + 16, TestContext.Current.CancellationToken);

        Assert.Equal(rebuilt + 1, provider.ModelReuse.Rebuilt);
    }

    [Fact]
    public async Task BuildContext_AfterAnEditOutsideTheBody_SeesTheNewDeclaration()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        var left = this.$$"));
        await provider.BuildContextAsync(document, offset, TestContext.Current.CancellationToken);

        // A new member above the method: the speculative model cannot know it; a new base must.
        const string Member = "    public int Threshold => _minimum * 2;\n\n";
        var memberAt = document.Text.ToString().IndexOf("    public decimal RestockCost", StringComparison.Ordinal);
        var edited = new DocumentSnapshot(document.Uri, "csharp", 2, document.Text.WithChanges(new TextChange(new TextSpan(memberAt, 0), Member)));
        provider.OnDocumentChanged(edited.Uri, edited);
        var context = await provider.BuildContextAsync(edited, offset + Member.Length, TestContext.Current.CancellationToken);

        Assert.Contains("int Threshold { get; }", Section(context!, ReceiverMembers.SectionName), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_NotCSharpWithoutStopRules_UsesTheTextGatesOneLineDefault()
    {
        using var provider = new RoslynContextProvider([], new AnalysisOptions(), null, ServerLog.Silent);
        var document = new DocumentSnapshot("file:///tmp/notes.md", "markdown", 1, SourceText.From("Some notes\n"));

        var plan = await provider.PlanAsync(document, document.Text.Length, TestContext.Current.CancellationToken);

        Assert.NotNull(plan);
        Assert.Null(plan.Context);
        Assert.Null(plan.Stopper);
        Assert.Equal(CompletionMode.SingleLine, plan.Mode);
    }

    [Fact]
    public async Task PlanAsync_Python_UsesTheTextGateWithItsLanguageRules()
    {
        using var provider = new RoslynContextProvider([], new AnalysisOptions(), null, ServerLog.Silent);
        var document = new DocumentSnapshot("file:///tmp/app.py", "python", 1, SourceText.From("def f():\n    "));

        var plan = await provider.PlanAsync(document, document.Text.Length, TestContext.Current.CancellationToken);

        Assert.NotNull(plan);
        Assert.NotNull(plan.Stopper);
        Assert.Equal(CompletionMode.MultiLine, plan.Mode);
    }

    [Fact]
    public async Task PlanAsync_CSharpInsideWord_Declines()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        var le$$ft = 1;"));

        Assert.Null(await provider.PlanAsync(document, offset, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PlanAsync_CSharpInWorkspace_GivesContextAndSyntaxStopper()
    {
        using var workspace = TempWorkspace.FromFixture("Inventory");
        using var provider = workspace.Provider();
        var (document, offset) = await workspace.OpenAsync(provider, ServicePath, ServiceWith("        var left = _warehouse.$$"));

        var plan = await provider.PlanAsync(document, offset, TestContext.Current.CancellationToken);

        Assert.NotNull(plan);
        Assert.Equal(CompletionMode.SingleLine, plan.Mode);
        Assert.IsType<SyntaxStopper>(plan.Stopper);
        Assert.Contains("QuantityOf", plan.Context, StringComparison.Ordinal);
    }
}
