using LLama.Native;

namespace LspCopilot.Engine.Chat;

/// <summary>
/// A conversation's tokens and the text they spell, with checkpoints where the two line up and where llama.cpp's
/// tokenizer starts afresh anyway: right after a control token (it splits text at control tokens, so what follows one
/// tokenizes the same alone as in the whole text), and at the end of a reply as generated when the next text starts
/// with a control token (the template's end-of-turn marker) or, tokenized alone, spells exactly that text (the plain
/// layout's "\n\n### Instruction:"; a sentencepiece tokenizer's lone leading space, which it adds to text it starts
/// with, is left out). The next turn's prompt is written out in full; its tokens are this conversation's tokens up to
/// the longest checkpoint it starts with, plus the rest tokenized. So a follow-up keeps every earlier token, the reply
/// included as the model generated it (tokenizing its text again may split it differently, and every token after the
/// first difference would be decoded again), and still the earlier prompts when the client sends the reply back changed.
/// </summary>
internal sealed class ConversationTokens(
    Func<string, LLamaToken[]> tokenize,
    Func<LLamaToken, string?> controlText,
    Func<IReadOnlyList<LLamaToken>, string> spell,
    LLamaToken? bos)
{
    private readonly List<LLamaToken> _tokens = [];
    private readonly List<Checkpoint> _checkpoints = [];
    private string _text = string.Empty;
    private Checkpoint _base;

    /// <summary>The id of the conversation these tokens belong to; null for a one-off chat.</summary>
    public string? Id { get; set; }

    /// <summary>The tokens of <paramref name="prompt"/>, the first ones shared with this conversation's earlier turns.</summary>
    public List<LLamaToken> Continue(string prompt)
    {
        if (_checkpoints.Count == 0)
        {
            Reset();
        }

        for (var i = _checkpoints.Count - 1; i >= 0; i--)
        {
            var checkpoint = _checkpoints[i];
            if (!prompt.AsSpan().StartsWith(_text.AsSpan(0, checkpoint.Text), StringComparison.Ordinal))
            {
                continue;
            }

            var text = prompt[checkpoint.Text..];
            var rest = tokenize(text);
            if (checkpoint.ControlNext)
            {
                if (StartsAfresh(text, rest) is not { } fresh)
                {
                    continue;
                }

                rest = fresh;
            }

            _checkpoints.RemoveRange(i + 1, _checkpoints.Count - i - 1);
            _text = _text[..checkpoint.Text];
            _tokens.RemoveRange(checkpoint.Tokens, _tokens.Count - checkpoint.Tokens);
            _base = checkpoint;
            return [.. _tokens, .. rest];
        }

        throw new InvalidOperationException("A conversation always has its first checkpoint.");
    }

    /// <summary>
    /// The tokens of <paramref name="text"/> (tokenized alone as <paramref name="tokens"/>) that may follow a reply's
    /// last generated token: they start with a control token, or they spell exactly the text, but for a lone leading
    /// space the tokenizer may have put first. Null when neither holds (the tokenizer would join the reply's end and
    /// the text differently).
    /// </summary>
    private LLamaToken[]? StartsAfresh(string text, LLamaToken[] tokens)
    {
        if (tokens.Length == 0)
        {
            return null;
        }

        if (controlText(tokens[0]) is not null || string.Equals(spell(tokens), text, StringComparison.Ordinal))
        {
            return tokens;
        }

        return tokens.Length > 1 && spell(tokens[..1]) == " " && string.Equals(spell(tokens[1..]), text, StringComparison.Ordinal) ? tokens[1..] : null;
    }

    /// <summary>
    /// Remembers a turn: its prompt and tokens as <see cref="Continue"/> built them, and the reply generated after them;
    /// <paramref name="replyComplete"/> when the reply's text is all its tokens spell.
    /// </summary>
    public void Record(string prompt, IReadOnlyList<LLamaToken> promptTokens, string reply, IReadOnlyList<LLamaToken> replyTokens, bool replyComplete)
    {
        _text = prompt;
        _tokens.Clear();
        _tokens.AddRange(promptTokens);

        // After each control token the new part of the prompt holds (its text is the marker's, found in order).
        var at = _base.Text;
        for (var i = _base.Tokens; i < promptTokens.Count; i++)
        {
            if (controlText(promptTokens[i]) is not { Length: > 0 } marker)
            {
                continue;
            }

            var found = prompt.IndexOf(marker, at, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            at = found + marker.Length;
            _checkpoints.Add(new Checkpoint(at, i + 1, ControlNext: false));
        }

        _tokens.AddRange(replyTokens);
        if (replyComplete && replyTokens.Count > 0)
        {
            _text += reply;
            _checkpoints.Add(new Checkpoint(_text.Length, _tokens.Count, ControlNext: true));
        }

        _base = _checkpoints[^1];
    }

    /// <summary>Forgets the conversation: the next turn starts from the beginning of sequence.</summary>
    public void Reset()
    {
        _text = string.Empty;
        _tokens.Clear();
        _checkpoints.Clear();
        if (bos is { } first)
        {
            _tokens.Add(first);
        }

        _base = new Checkpoint(0, _tokens.Count, ControlNext: false);
        _checkpoints.Add(_base);
    }

    /// <summary>A place where <c>_text[..Text]</c> is spelled by <c>_tokens[..Tokens]</c> and the tokenizer starts afresh.</summary>
    private readonly record struct Checkpoint(int Text, int Tokens, bool ControlNext);
}
