namespace LspCopilot.Completion;

/// <summary>The model could not be used; <see cref="Exception.Message"/> says why and what to do, for the user.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ModelLoadException()
    {
    }
}
