using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis;

namespace LspCopilot.Context;

/// <summary>
/// What the code at the cursor works with: the type the expression being written must have (an
/// argument, the right of an assignment, a return value, a condition) and the locals and parameters
/// in scope with their types. The most volatile section: it goes last in the prompt.
/// </summary>
public static class ScopeSummary
{
    public const string SectionName = "scope";

    private const int MaxLocals = 24;

    public static SectionDraft? Build(ScopedModel scoped, SyntaxNode root, int offset, CancellationToken cancellationToken)
    {
        var model = scoped.Model;
        var items = new List<ContextItem>();
        if (ExpectedType(scoped, root, offset, cancellationToken) is { } expected)
        {
            items.Add(new ContextItem("expected type: " + expected, 0, int.MaxValue) { Weight = 97 });
        }

        // The speculated member's own parameters are outside its body; DeclaredSymbol finds them another way.
        var declarations = Declarations(root, offset).Where(d => scoped.Covers(d) || d is ParameterSyntax).OrderBy(d => d.SpanStart).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nearest = declarations.OrderByDescending(d => d.SpanStart).Take(MaxLocals).ToHashSet();
        foreach (var declaration in declarations)
        {
            if (!nearest.Contains(declaration))
            {
                continue;
            }

            var symbol = DeclaredSymbol(scoped, declaration, offset, cancellationToken);
            var (kind, type) = symbol switch
            {
                // `var` locals are always nullable-annotated; show the type as written.
                ILocalSymbol local when IsVar(declaration) => ("local", local.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)),
                ILocalSymbol local => ("local", local.Type),
                IParameterSymbol parameter => ("parameter", parameter.Type),
                IRangeVariableSymbol => ("range variable", null),
                _ => (null, null),
            };
            if (kind is null || symbol is null || !seen.Add(symbol.Name))
            {
                continue;
            }

            // A type Roslyn cannot resolve (a package never restored, a missing using) still has a name: as written.
            var typeText = type is null || type.TypeKind == TypeKind.Error ? WrittenType(declaration, type) : SymbolSignatures.TypeName(type);
            var distance = offset - declaration.SpanStart;
            // A declaration with its type written out says no more than the window does when the window shows it.
            items.Add(new ContextItem(typeText is null ? $"{kind} {symbol.Name}" : $"{kind} {typeText} {symbol.Name}", 1 + Math.Min(distance / 40, 1000), declaration.SpanStart)
            {
                Weight = 46 - Math.Min(distance / 400.0, 20),
                Declared = IsVar(declaration) ? null : declaration.Span,
            });
        }

        return items.Count == 0 ? null : new SectionDraft(SectionName, "At the cursor:", items);
    }

    /// <summary>The declarations (declarators, parameters, designations) visible at the cursor, found by walking out from it.</summary>
    private static IEnumerable<SyntaxNode> Declarations(SyntaxNode root, int offset)
    {
        var token = root.FindToken(offset);
        foreach (var node in token.Parent?.AncestorsAndSelf() ?? [])
        {
            switch (node)
            {
                case BlockSyntax block:
                    foreach (var declared in BeforeCursor(block.Statements, offset))
                    {
                        yield return declared;
                    }

                    break;
                case SwitchSectionSyntax section:
                    foreach (var declared in BeforeCursor(section.Statements, offset))
                    {
                        yield return declared;
                    }

                    break;
                case CompilationUnitSyntax unit:
                    foreach (var declared in BeforeCursor(unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement), offset))
                    {
                        yield return declared;
                    }

                    break;
                case CommonForEachStatementSyntax forEach when forEach.Statement.Span.Contains(offset):
                    if (forEach is ForEachStatementSyntax single)
                    {
                        yield return single;
                    }

                    break;
                case ForStatementSyntax forStatement when forStatement.Declaration is { } declaration:
                    foreach (var variable in declaration.Variables)
                    {
                        yield return variable;
                    }

                    break;
                case UsingStatementSyntax { Declaration: { } usingDeclaration }:
                    foreach (var variable in usingDeclaration.Variables)
                    {
                        yield return variable;
                    }

                    break;
                case CatchClauseSyntax { Declaration: { Identifier.ValueText.Length: > 0 } catchDeclaration } catchClause when catchClause.Block.Span.Contains(offset):
                    yield return catchDeclaration;
                    break;
                case AnonymousFunctionExpressionSyntax lambda:
                    foreach (var parameter in LambdaParameters(lambda))
                    {
                        yield return parameter;
                    }

                    break;
                case LocalFunctionStatementSyntax local:
                    foreach (var parameter in local.ParameterList.Parameters)
                    {
                        yield return parameter;
                    }

                    break;
                case BaseMethodDeclarationSyntax method:
                    foreach (var parameter in method.ParameterList.Parameters)
                    {
                        yield return parameter;
                    }

                    yield break;
                case IndexerDeclarationSyntax indexer:
                    foreach (var parameter in indexer.ParameterList.Parameters)
                    {
                        yield return parameter;
                    }

                    yield break;
                case BaseTypeDeclarationSyntax:
                    yield break;
            }
        }
    }

    /// <summary>
    /// The symbol a declaration declares. A speculative model (see <see cref="SemanticModelReuse"/>) does
    /// not declare the parameters of the member it speculates on; those come from the enclosing method.
    /// </summary>
    private static ISymbol? DeclaredSymbol(ScopedModel scoped, SyntaxNode declaration, int offset, CancellationToken cancellationToken)
    {
        var model = scoped.Model;
        var symbol = scoped.Covers(declaration) ? model.GetDeclaredSymbol(declaration, cancellationToken) : null;

        if (symbol is null && declaration is ParameterSyntax parameter)
        {
            for (var enclosing = model.GetEnclosingSymbol(offset, cancellationToken); enclosing is not null; enclosing = enclosing.ContainingSymbol)
            {
                var parameters = enclosing switch
                {
                    IMethodSymbol method => method.Parameters,
                    IPropertySymbol property => property.Parameters,
                    _ => default,
                };
                if (!parameters.IsDefaultOrEmpty && parameters.FirstOrDefault(p => p.Name == parameter.Identifier.ValueText) is { } match)
                {
                    return match;
                }

                if (enclosing is INamedTypeSymbol)
                {
                    break;
                }
            }
        }

        return symbol;
    }

    /// <summary>The type of an unresolved declaration as the code writes it (or as Roslyn names it); null when neither says.</summary>
    private static string? WrittenType(SyntaxNode declaration, ITypeSymbol? type)
    {
        var written = declaration switch
        {
            ParameterSyntax { Type: { } t } => t,
            CatchDeclarationSyntax c => c.Type,
            VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type: { IsVar: false } t } } => t,
            ForEachStatementSyntax { Type: { IsVar: false } t } => t,
            SingleVariableDesignationSyntax { Parent: DeclarationExpressionSyntax { Type: { IsVar: false } t } } => t,
            SingleVariableDesignationSyntax { Parent: DeclarationPatternSyntax { Type: var t } } => t,
            _ => null,
        };
        if (written is not null)
        {
            return string.Join(' ', written.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }

        return type is { Name.Length: > 0 } ? SymbolSignatures.TypeName(type) : null;
    }

    private static bool IsVar(SyntaxNode declaration) => declaration switch
    {
        VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: true } } => true,
        ForEachStatementSyntax { Type.IsVar: true } => true,
        SingleVariableDesignationSyntax { Parent: DeclarationExpressionSyntax { Type.IsVar: true } or VarPatternSyntax } => true,
        _ => false,
    };

    private static IEnumerable<ParameterSyntax> LambdaParameters(AnonymousFunctionExpressionSyntax lambda) => lambda switch
    {
        SimpleLambdaExpressionSyntax simple => [simple.Parameter],
        ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.Parameters,
        AnonymousMethodExpressionSyntax { ParameterList: { } list } => list.Parameters,
        _ => [],
    };

    /// <summary>Locals declared by statements that end before the cursor, including <c>out var</c> and pattern variables.</summary>
    private static IEnumerable<SyntaxNode> BeforeCursor(IEnumerable<StatementSyntax> statements, int offset)
    {
        foreach (var statement in statements)
        {
            if (statement.Span.End > offset)
            {
                break;
            }

            if (statement is LocalDeclarationStatementSyntax local)
            {
                foreach (var variable in local.Declaration.Variables)
                {
                    yield return variable;
                }
            }

            if (statement is ExpressionStatementSyntax or LocalDeclarationStatementSyntax or IfStatementSyntax)
            {
                SyntaxNode scope = statement is IfStatementSyntax ifStatement ? ifStatement.Condition : statement;
                foreach (var designation in scope.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax).OfType<SingleVariableDesignationSyntax>())
                {
                    yield return designation;
                }
            }
        }
    }

    /// <summary>The type the code at the cursor must produce, with where it comes from; null when unknown.</summary>
    private static string? ExpectedType(ScopedModel scoped, SyntaxNode root, int offset, CancellationToken cancellationToken)
    {
        var model = scoped.Model;
        var token = root.FindToken(offset);
        if (token.SpanStart >= offset)
        {
            token = token.GetPreviousToken();
        }

        if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span.End == offset)
        {
            token = token.GetPreviousToken();
        }

        if (token.IsKind(SyntaxKind.DotToken))
        {
            return null;
        }

        if (token.Parent is null || !scoped.Covers(token.Parent))
        {
            return null;
        }

        switch (token.Parent)
        {
            case AssignmentExpressionSyntax assignment when token == assignment.OperatorToken:
                return Describe(model.GetTypeInfo(assignment.Left, cancellationToken).Type, $"assigned to {Shorten(assignment.Left.ToString())}");
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: false } declaration } declarator }:
                return Describe(model.GetTypeInfo(declaration.Type, cancellationToken).Type, $"initializes {declarator.Identifier.ValueText}");
            case EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax property }:
                return Describe(model.GetTypeInfo(property.Type, cancellationToken).Type, $"initializes {property.Identifier.ValueText}");
            case ReturnStatementSyntax or ArrowExpressionClauseSyntax:
                return ReturnType(model, offset, cancellationToken);
            case IfStatementSyntax or WhileStatementSyntax or DoStatementSyntax when token.IsKind(SyntaxKind.OpenParenToken):
                return "bool (condition)";
        }

        return ArgumentType(scoped, token, offset, cancellationToken);
    }

    private static string? ArgumentType(ScopedModel scoped, SyntaxToken token, int offset, CancellationToken cancellationToken)
    {
        var model = scoped.Model;
        var list = token.Parent?.AncestorsAndSelf().OfType<BaseArgumentListSyntax>()
            .FirstOrDefault(l => l.OpenBracketOrParen().Span.End <= offset && (l.CloseBracketOrParen().IsMissing || offset <= l.CloseBracketOrParen().SpanStart));
        if (list?.Parent is not { } call || !scoped.Covers(call))
        {
            return null;
        }

        var index = list.Arguments.GetSeparators().Count(s => s.Span.End <= offset);
        var named = index < list.Arguments.Count ? list.Arguments[index].NameColon?.Name.Identifier.ValueText : null;
        var info = model.GetSymbolInfo(call, cancellationToken);
        IEnumerable<ISymbol> candidates = info.Symbol is { } bound ? [bound] : info.CandidateSymbols;
        if (!candidates.Any() && call is InvocationExpressionSyntax invocation)
        {
            candidates = model.GetMemberGroup(invocation.Expression, cancellationToken);
        }

        foreach (var candidate in candidates)
        {
            var parameters = candidate switch
            {
                IMethodSymbol method => method.Parameters,
                IPropertySymbol property => property.Parameters,
                _ => default,
            };
            if (parameters.IsDefaultOrEmpty)
            {
                continue;
            }

            var parameter = named is not null
                ? parameters.FirstOrDefault(p => p.Name == named)
                : index < parameters.Length ? parameters[index] : parameters[^1].IsParams ? parameters[^1] : null;
            if (parameter is not null)
            {
                var owner = candidate is IMethodSymbol { MethodKind: MethodKind.Constructor } ctor ? "new " + ctor.ContainingType.Name : candidate.ContainingType?.Name + "." + candidate.Name;
                return Describe(parameter.Type, $"argument {parameter.Name} of {owner}");
            }
        }

        return null;
    }

    private static string? ReturnType(SemanticModel model, int offset, CancellationToken cancellationToken)
    {
        var symbol = model.GetEnclosingSymbol(offset, cancellationToken);
        var (type, isAsync) = symbol switch
        {
            IMethodSymbol method => (method.ReturnType, method.IsAsync),
            IPropertySymbol property => (property.Type, false),
            _ => (null, false),
        };
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task && isAsync && task.Name is "Task" or "ValueTask")
        {
            type = task.TypeArguments[0];
        }

        return type is null || type.SpecialType == SpecialType.System_Void ? null : Describe(type, "return value");
    }

    private static string? Describe(ITypeSymbol? type, string source) =>
        type is null || type.TypeKind == TypeKind.Error ? null : $"{SymbolSignatures.TypeName(type)} ({source})";

    private static string Shorten(string text)
    {
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return collapsed.Length <= 40 ? collapsed : collapsed[..37] + "...";
    }
}
