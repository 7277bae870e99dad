using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>
/// The statements to mask: every statement in a method, constructor, operator, accessor or local function
/// body (blocks themselves aside), and a sample of them drawn with a fixed seed, so a corpus and a seed
/// always give the same statements.
/// </summary>
public static class StatementPicker
{
    /// <summary>Each statement of the file's member bodies, masked from its start to the end of its line, in text order.</summary>
    public static IReadOnlyList<MaskedStatement> Candidates(CorpusProject project, CorpusFile file)
    {
        var root = file.Tree.GetRoot();
        var seen = new HashSet<int>();
        var candidates = new List<MaskedStatement>();
        foreach (var statement in root.DescendantNodes().OfType<StatementSyntax>())
        {
            if (statement is BlockSyntax || !InMemberBody(statement) || !seen.Add(statement.SpanStart))
            {
                continue;
            }

            var line = file.Text.Lines.GetLineFromPosition(statement.SpanStart);
            var removed = TextSpan.FromBounds(statement.SpanStart, line.End);
            if (!string.IsNullOrWhiteSpace(file.Text.ToString(removed)))
            {
                candidates.Add(new MaskedStatement(project, file, removed));
            }
        }

        return candidates;
    }

    /// <summary>Every candidate of the projects, in project, file and text order.</summary>
    public static IReadOnlyList<MaskedStatement> Candidates(IEnumerable<CorpusProject> projects) =>
        [.. projects.SelectMany(p => p.Files.SelectMany(f => Candidates(p, f)))];

    /// <summary>
    /// <paramref name="count"/> candidates drawn without replacement by a seeded shuffle, returned in
    /// candidate order (project, file, position) so each file is visited once.
    /// </summary>
    public static IReadOnlyList<MaskedStatement> Pick(IReadOnlyList<MaskedStatement> candidates, int count, int seed)
    {
        var random = new Random(seed);
        var indexes = Enumerable.Range(0, candidates.Count).ToArray();
        var take = Math.Min(count, indexes.Length);
        for (var i = 0; i < take; i++)
        {
            var j = random.Next(i, indexes.Length);
            (indexes[i], indexes[j]) = (indexes[j], indexes[i]);
        }

        return [.. indexes.Take(take).Order().Select(i => candidates[i])];
    }

    private static bool InMemberBody(StatementSyntax statement) =>
        statement.Ancestors().Any(a => a is BlockSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax });
}
