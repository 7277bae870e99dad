namespace LspCopilot.Engine.Models;

/// <summary>A file is not a well-formed GGUF file; the message says what is wrong and where.</summary>
public sealed class GgufFormatException : Exception
{
    public GgufFormatException(string message)
        : base(message)
    {
    }

    public GgufFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public GgufFormatException()
    {
    }
}
