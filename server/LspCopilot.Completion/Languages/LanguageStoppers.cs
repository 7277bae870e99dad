using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Completion.Languages;

/// <summary>The text rules' stop rules of a language at a cursor: bracket balance always, indentation where blocks are indented.</summary>
public static class LanguageStoppers
{
    public static ICompletionStopper For(LanguageRule rule, SourceText text, int offset, CompletionMode mode)
    {
        var line = text.Lines.GetLineFromPosition(offset);
        var windowStart = text.Lines.GetLineFromPosition(Math.Max(0, offset - BracketBalanceStopper.Window)).Start;
        var before = text.ToString(TextSpan.FromBounds(windowStart, offset));
        var after = text.ToString(TextSpan.FromBounds(offset, Math.Min(text.Length, offset + BracketBalanceStopper.Window)));
        var brackets = BracketBalanceStopper.Create(rule, before, after, mode);
        return rule.Blocks == BlockSyntax.Indentation && mode == CompletionMode.MultiLine
            ? new StopperChain([brackets, IndentationStopper.Create(text.ToString(TextSpan.FromBounds(line.Start, offset)))])
            : brackets;
    }
}
