using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LspCopilot.Context;

/// <summary>What a span of C# is, syntactically: members of a type, statements, or one expression.</summary>
public enum CodeShapeKind
{
    /// <summary>None of the three (a partial token run): any of them will do for a proposal.</summary>
    Unknown,
    Members,
    Statements,
    Expression,
}

/// <summary>
/// Tells code from prose when a model's reply has no fence: the reply is taken as code only when it parses,
/// without a syntax error, as the same kind of code as the span it replaces (members for a member, statements
/// for statements, an expression for an expression).
/// </summary>
public static class CodeShape
{
    private static readonly CSharpParseOptions s_options = new(LanguageVersion.Preview);

    /// <summary>The shape of <paramref name="code"/>; a member declaration is <see cref="CodeShapeKind.Members"/> even where it would also parse as a local function.</summary>
    public static CodeShapeKind Of(string code, bool isMemberDeclaration = false)
    {
        if (isMemberDeclaration || ParsesAsMembers(code) && !ParsesAsStatements(code))
        {
            return CodeShapeKind.Members;
        }

        if (ParsesAsStatements(code))
        {
            return CodeShapeKind.Statements;
        }

        if (ParsesAsExpression(code))
        {
            return CodeShapeKind.Expression;
        }

        return ParsesAsMembers(code) ? CodeShapeKind.Members : CodeShapeKind.Unknown;
    }

    /// <summary>True when <paramref name="text"/> parses as code of <paramref name="shape"/> (of any shape when unknown).</summary>
    public static bool Matches(CodeShapeKind shape, string text) => shape switch
    {
        CodeShapeKind.Members => ParsesAsMembers(text),
        CodeShapeKind.Statements => ParsesAsStatements(text),
        CodeShapeKind.Expression => ParsesAsExpression(text),
        _ => ParsesAsMembers(text) || ParsesAsStatements(text) || ParsesAsExpression(text),
    };

    public static bool ParsesAsMembers(string text)
    {
        var unit = SyntaxFactory.ParseCompilationUnit("class __Shape {\n" + text + "\n}", options: s_options);
        return !HasErrors(unit) && unit.Members is [ClassDeclarationSyntax { Members.Count: > 0 }];
    }

    public static bool ParsesAsStatements(string text)
    {
        var unit = SyntaxFactory.ParseCompilationUnit("class __Shape { void __M() {\n" + text + "\n} }", options: s_options);
        return !HasErrors(unit)
            && unit.Members is [ClassDeclarationSyntax { Members: [MethodDeclarationSyntax { Body.Statements: { Count: > 0 } statements }] }]
            && statements.Any(s => s is not EmptyStatementSyntax);
    }

    public static bool ParsesAsExpression(string text)
    {
        var expression = SyntaxFactory.ParseExpression(text, options: s_options);
        return !expression.ContainsDiagnostics && expression.GetDiagnostics().All(d => d.Severity != Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    private static bool HasErrors(CompilationUnitSyntax unit) =>
        unit.GetDiagnostics().Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
}
