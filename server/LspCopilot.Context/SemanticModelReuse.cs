using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// A semantic model for the cursor. A speculative one knows the member it speculates on
/// (<see cref="Scope"/>) and binds only inside its body (<see cref="Body"/>); null for both means the
/// whole document's model.
/// </summary>
public sealed record ScopedModel(SemanticModel Model, SyntaxNode? Scope, SyntaxNode? Body)
{
    /// <summary>True when the model can answer for <paramref name="node"/>.</summary>
    public bool Covers(SyntaxNode node) => Body is null ? node.SyntaxTree == Model.SyntaxTree : Body.Span.Contains(node.Span) && node.SyntaxTree == Body.SyntaxTree;
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
                return new ScopedModel(known.Model, null, null);
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
        return new ScopedModel(model, null, null);
    }

    public void Forget(DocumentId id) => _bases.TryRemove(id, out _);

    /// <summary>
    /// A speculative model for the body at the cursor, when every change since the base lies inside
    /// method or accessor bodies — bodies never change what other code binds to — and each edited body
    /// still parses as the same member.
    /// </summary>
    private static ScopedModel? Speculate(Base known, SourceText text, SyntaxTree tree, int offset, CancellationToken cancellationToken)
    {
        var changes = TextDiff.Changes(known.Text, text);
        if (changes.Count == 0)
        {
            return null;
        }

        var baseRoot = known.Model.SyntaxTree.GetRoot(cancellationToken);
        var root = tree.GetRoot(cancellationToken);
        if (!OnlyBodiesChanged(baseRoot, root, changes))
        {
            return null;
        }

        var member = BodyOwnerAt(root, offset);
        if (member is null)
        {
            return null;
        }

        var baseMember = BodyOwnerAt(baseRoot, OldPosition(BodyStart(member), changes));
        if (baseMember is null || baseMember.RawKind != member.RawKind || baseMember.SpanStart != OldPosition(member.SpanStart, changes))
        {
            return null;
        }

        var position = BodyStart(baseMember);
        var speculated = member switch
        {
            // Roslyn speculates on block bodies only (an expression body throws inside it): those get a full model.
            BaseMethodDeclarationSyntax { Body: not null } method when known.Model.TryGetSpeculativeSemanticModelForMethodBody(position, method, out var m) => m,
            AccessorDeclarationSyntax { Body: not null } accessor when known.Model.TryGetSpeculativeSemanticModelForMethodBody(position, accessor, out var a) => a,
            _ => null,
        };
        return speculated is null ? null : new ScopedModel(speculated, member, BodyOf(member));
    }

    /// <summary>
    /// True when every change from <paramref name="baseRoot"/> to <paramref name="root"/> lies inside method or
    /// accessor bodies and each edited body still parses as the same member: what other code binds to is the same.
    /// </summary>
    internal static bool OnlyBodiesChanged(SyntaxNode baseRoot, SyntaxNode root, IReadOnlyList<TextChangeRange> changes)
    {
        var shift = 0;
        for (var i = 0; i < changes.Count;)
        {
            var owner = BodyOwnerAt(baseRoot, changes[i].Span.Start);
            if (owner is null || !IsInsideBody(owner, changes[i].Span))
            {
                return false;
            }

            var ownerShift = 0;
            while (i < changes.Count && IsInsideBody(owner, changes[i].Span))
            {
                ownerShift += changes[i].NewLength - changes[i].Span.Length;
                i++;
            }

            // An extra brace would make the edited body swallow what follows it.
            var edited = BodyOwnerAt(root, BodyStart(owner) + shift);
            if (edited is null || edited.RawKind != owner.RawKind || edited.SpanStart != owner.SpanStart + shift
                || edited.Span.End != owner.Span.End + shift + ownerShift)
            {
                return false;
            }

            shift += ownerShift;
        }

        return true;
    }

    /// <summary>Where a position of the new text (outside every change) was in the base text.</summary>
    private static int OldPosition(int newPosition, IReadOnlyList<TextChangeRange> changes)
    {
        var shift = 0;
        foreach (var change in changes)
        {
            if (change.Span.Start + shift + change.NewLength > newPosition)
            {
                break;
            }

            shift += change.NewLength - change.Span.Length;
        }

        return newPosition - shift;
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
