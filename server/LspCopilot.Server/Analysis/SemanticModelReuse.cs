using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Analysis;

/// <summary>A semantic model for the cursor and the node it is valid for (null: the whole document).</summary>
public sealed record ScopedModel(SemanticModel Model, SyntaxNode? Scope)
{
    /// <summary>True when the model can answer for <paramref name="node"/>.</summary>
    public bool Covers(SyntaxNode node) => Scope is null ? node.SyntaxTree == Model.SyntaxTree : Scope.FullSpan.Contains(node.Span) && node.SyntaxTree == Scope.SyntaxTree;
}

/// <summary>
/// Keeps one fully built semantic model per document (the base) and answers keystrokes inside a
/// method or accessor body with a speculative model of the edited body bound against the base's
/// compilation — the way Roslyn's IDE reuses semantic models. A new compilation would rebuild the
/// symbols of every declaration in the file and its project; the speculative model binds only the one
/// body. The base is replaced when the edit reaches outside one body, or another document changed.
/// </summary>
public sealed class SemanticModelReuse
{
    private readonly ConcurrentDictionary<DocumentId, Base> _bases = new();
    private long _reused;
    private long _rebuilt;

    /// <summary>Requests answered from a base model (as is or speculatively).</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <summary>Requests that needed a new full semantic model.</summary>
    public long Rebuilt => Interlocked.Read(ref _rebuilt);

    public async Task<ScopedModel> GetAsync(Document document, int offset, CancellationToken cancellationToken)
    {
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
        if (tree is not null && _bases.TryGetValue(document.Id, out var known) && OnlyThisDocumentChanged(known.Document, document))
        {
            if (ReferenceEquals(known.Text, text))
            {
                Interlocked.Increment(ref _reused);
                return new ScopedModel(known.Model, null);
            }

            if (Speculate(known, text, tree, offset, cancellationToken) is { } speculative)
            {
                Interlocked.Increment(ref _reused);
                return speculative;
            }
        }

        Interlocked.Increment(ref _rebuilt);

        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{document.Name} has no semantic model.");
        _bases[document.Id] = new Base(document, text, model);
        return new ScopedModel(model, null);
    }

    public void Forget(DocumentId id) => _bases.TryRemove(id, out _);

    private static ScopedModel? Speculate(Base known, SourceText text, SyntaxTree tree, int offset, CancellationToken cancellationToken)
    {
        var changes = text.GetChangeRanges(known.Text);
        if (changes.Count == 0)
        {
            return null;
        }

        var baseRoot = known.Model.SyntaxTree.GetRoot(cancellationToken);
        var baseMember = BodyOwnerAt(baseRoot, changes[0].Span.Start);
        if (baseMember is null || !changes.All(c => IsInsideBody(baseMember, c.Span)))
        {
            return null;
        }

        // The edited body must still parse as the same member ending at the same place (an extra brace would not).
        var delta = changes.Sum(c => c.NewLength - c.Span.Length);
        var root = tree.GetRoot(cancellationToken);
        var member = BodyOwnerAt(root, baseMember.SpanStart + BodyStartOffset(baseMember));
        if (member is null || member.RawKind != baseMember.RawKind || member.SpanStart != baseMember.SpanStart
            || member.Span.End != baseMember.Span.End + delta || !member.Span.Contains(offset))
        {
            return null;
        }

        var position = BodyStart(baseMember);
        var speculated = member switch
        {
            BaseMethodDeclarationSyntax method when known.Model.TryGetSpeculativeSemanticModelForMethodBody(position, method, out var m) => m,
            AccessorDeclarationSyntax accessor when known.Model.TryGetSpeculativeSemanticModelForMethodBody(position, accessor, out var a) => a,
            _ => null,
        };
        return speculated is null ? null : new ScopedModel(speculated, member);
    }

    /// <summary>The method, constructor, operator or accessor whose body holds <paramref name="position"/>.</summary>
    private static SyntaxNode? BodyOwnerAt(SyntaxNode root, int position)
    {
        var token = root.FindToken(position);
        return token.Parent?.AncestorsAndSelf().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax
            && BodyOf(n) is { } body && body.Span.Contains(position));
    }

    private static SyntaxNode? BodyOf(SyntaxNode member) => member switch
    {
        BaseMethodDeclarationSyntax method => (SyntaxNode?)method.Body ?? method.ExpressionBody,
        AccessorDeclarationSyntax accessor => (SyntaxNode?)accessor.Body ?? accessor.ExpressionBody,
        _ => null,
    };

    private static int BodyStart(SyntaxNode member) => BodyOf(member)!.SpanStart;

    private static int BodyStartOffset(SyntaxNode member) => BodyStart(member) - member.SpanStart;

    /// <summary>Strictly between a block body's braces, or within an expression body's expression.</summary>
    private static bool IsInsideBody(SyntaxNode member, TextSpan change) => BodyOf(member) switch
    {
        BlockSyntax block => !block.CloseBraceToken.IsMissing && block.OpenBraceToken.Span.End <= change.Start && change.End <= block.CloseBraceToken.SpanStart,
        ArrowExpressionClauseSyntax arrow => arrow.Expression.SpanStart <= change.Start && change.End <= arrow.Expression.Span.End,
        _ => false,
    };

    /// <summary>True when the solutions differ in nothing but this document's text.</summary>
    private static bool OnlyThisDocumentChanged(Document before, Document after)
    {
        if (before.Project.Solution == after.Project.Solution)
        {
            return true;
        }

        var changes = after.Project.Solution.GetChanges(before.Project.Solution);
        if (changes.GetAddedProjects().Any() || changes.GetRemovedProjects().Any())
        {
            return false;
        }

        foreach (var project in changes.GetProjectChanges())
        {
            if (project.GetAddedDocuments().Any() || project.GetRemovedDocuments().Any()
                || project.GetAddedMetadataReferences().Any() || project.GetRemovedMetadataReferences().Any()
                || project.GetAddedProjectReferences().Any() || project.GetRemovedProjectReferences().Any()
                || project.OldProject.ParseOptions != project.NewProject.ParseOptions
                || project.OldProject.CompilationOptions != project.NewProject.CompilationOptions
                || project.GetChangedDocuments().Any(id => id != after.Id))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Base(Document Document, SourceText Text, SemanticModel Model);
}
