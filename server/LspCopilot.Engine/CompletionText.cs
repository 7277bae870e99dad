using System.Text;
using LLama;
using LLama.Native;
using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>
/// A completion's text as its tokens arrive, and where it stops: at the end of the first line in one-line mode, or where
/// the request's stopper cuts it. The one place both the single-request loop and a batch slot take a generated token's
/// text, so the two give the same suggestion for the same tokens.
/// </summary>
internal sealed class CompletionText(LLamaContext context)
{
    private readonly StreamingTokenDecoder _decoder = new(context);
    private readonly StringBuilder _text = new();

    /// <summary>Adds <paramref name="token"/>'s text; the reason generation stops here (the text already cut), or null to go on.</summary>
    public StopReason? Add(LLamaToken token, CompletionRequest request)
    {
        _decoder.Add(token);
        var piece = _decoder.Read();
        var before = _text.Length;
        _text.Append(piece);
        if (request.Mode == CompletionMode.SingleLine && piece.Contains('\n', StringComparison.Ordinal))
        {
            var newline = _text.ToString().IndexOf('\n', before);
            _text.Length = newline > 0 && _text[newline - 1] == '\r' ? newline - 1 : newline;
            return StopReason.EndOfLine;
        }

        if (request.Stopper is { } stopper && stopper.FindStop(_text.ToString()) is int keep)
        {
            _text.Length = keep;
            return StopReason.Stopper;
        }

        return null;
    }

    public override string ToString() => _text.ToString();

    /// <summary>Whether <paramref name="token"/> is one of the FIM layout's markers (the model ending the middle its own way).</summary>
    public static bool IsFimControl(FimLayout fim, LLamaToken token)
    {
        var id = (int)token;
        return fim.HasFim && (id == fim.PrefixToken || id == fim.SuffixToken || id == fim.MiddleToken);
    }
}
