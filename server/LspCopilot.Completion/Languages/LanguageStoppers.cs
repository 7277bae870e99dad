using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Languages;

/// <summary>The text rules' stop rules of a language at a cursor: bracket balance always, indentation where blocks are indented.</summary>
public static class LanguageStoppers
{
    public static ICompletionStopper For(LanguageRule rule, SourceText text, int offset, CompletionMode mode)
    {
        var line = text.Lines.GetLineFromPosition(offset);
        var before = text.ToString(TextSpan.FromBounds(line.Start, offset));
        var rest = text.ToString(TextSpan.FromBounds(offset, line.End));
        var brackets = BracketBalanceStopper.Create(rule, before, rest, mode);
        return rule.Blocks == BlockSyntax.Indentation && mode == CompletionMode.MultiLine
            ? new StopperChain([brackets, IndentationStopper.Create(before)])
            : brackets;
    }
}
