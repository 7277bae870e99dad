namespace LspCopilot.Backends.Prompting;

/// <summary>The parts of a request that go into the prompt, cut to the server's context.</summary>
internal sealed record FittedPrompt(string Context, string Prefix, string Suffix)
{
    public int Chars => Context.Length + Prefix.Length + Suffix.Length;
}
