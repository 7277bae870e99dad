namespace LspCopilot.Completion;

/// <summary>
/// A request that cannot fit in the model's context even before generating (a long conversation, a huge selection).
/// The message is for the user and says what to do; nothing in the engine is wrong, and nothing was decoded.
/// </summary>
public sealed class PromptTooLongException : Exception
{
    public PromptTooLongException(string message)
        : base(message)
    {
    }

    public PromptTooLongException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PromptTooLongException()
    {
    }
}
