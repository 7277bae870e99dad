namespace LspCopilot.Completion.CodeActions;

/// <summary>
/// A code action that cannot give the user what was asked, for a reason to show them: the reply held no code,
/// no proposal compiled cleanly, the error to fix is gone. The server answers it as RequestFailed with this message.
/// </summary>
public sealed class CodeActionException : Exception
{
    public CodeActionException(string message)
        : base(message)
    {
    }

    public CodeActionException()
    {
    }

    public CodeActionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
