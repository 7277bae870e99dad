using LLama.Native;

namespace LspCopilot.Engine.Chat;

/// <summary>
/// A conversation's tokens and the text they spell, with checkpoints where the two are known to line up (the end of
/// each turn's prompt, the end of each reply as generated). The next turn's prompt is written out in full, and starts
/// with an earlier turn's text when the template writes a conversation the same way as it grows; its tokens are then
/// the tokens up to the longest matching checkpoint plus the rest tokenized. So a follow-up reuses every earlier token,
/// even where tokenizing the whole text again would split it differently (a reply as the model generated it), and
/// still the prompt turn when the client sends the reply back changed (reasoning folded away).
/// </summary>
internal sealed class ConversationTokens
{
    private readonly List<LLamaToken> _tokens = [];
    private readonly List<(int Text, int Tokens)> _checkpoints = [];
    private string _text = string.Empty;

    /// <summary>The id of the conversation these tokens belong to; null for a one-off chat.</summary>
    public string? Id { get; set; }

    /// <summary>The tokens of <paramref name="prompt"/>, the first ones shared with this conversation's earlier turns.</summary>
    public List<LLamaToken> Continue(string prompt, Func<string, LLamaToken[]> tokenize, LLamaToken? bos)
    {
        var (text, tokens) = (0, 0);
        for (var i = _checkpoints.Count - 1; i >= 0; i--)
        {
            var checkpoint = _checkpoints[i];
            if (prompt.AsSpan().StartsWith(_text.AsSpan(0, checkpoint.Text), StringComparison.Ordinal))
            {
                (text, tokens) = checkpoint;
                _checkpoints.RemoveRange(i + 1, _checkpoints.Count - i - 1);
                break;
            }
        }

        if (_checkpoints.Count == 0)
        {
            Reset();
            if (bos is { } first)
            {
                _tokens.Add(first);
            }

            (text, tokens) = (0, _tokens.Count);
            _checkpoints.Add((text, tokens));
        }

        _text = _text[..text];
        _tokens.RemoveRange(tokens, _tokens.Count - tokens);
        var result = new List<LLamaToken>(_tokens);
        result.AddRange(tokenize(prompt[text..]));
        return result;
    }

    /// <summary>Remembers a turn: its prompt (as <see cref="Continue"/> built it) and the reply generated after it so far.</summary>
    public void Record(string prompt, IReadOnlyList<LLamaToken> promptTokens, string reply, IReadOnlyList<LLamaToken> replyTokens)
    {
        _text = prompt;
        _tokens.Clear();
        _tokens.AddRange(promptTokens);
        _checkpoints.RemoveAll(c => c.Text >= prompt.Length || c.Tokens >= promptTokens.Count);
        _checkpoints.Add((_text.Length, _tokens.Count));
        if (replyTokens.Count > 0)
        {
            _text += reply;
            _tokens.AddRange(replyTokens);
            _checkpoints.Add((_text.Length, _tokens.Count));
        }
    }

    public void Reset()
    {
        _text = string.Empty;
        _tokens.Clear();
        _checkpoints.Clear();
    }
}
