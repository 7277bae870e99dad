namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>
/// The plain window a tool without project context would send: <paramref name="length"/> characters around
/// the cursor, three quarters before it and one after, no sections. When one side of the file is shorter
/// than its share, the other side takes the rest, so the window has the prompt's length whenever the file does.
/// </summary>
public static class BaselineWindow
{
    public static (string Prefix, string Suffix) Around(string text, int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, text.Length);
        var before = offset;
        var after = text.Length - offset;
        var prefixChars = Math.Min(before, length * 3 / 4);
        var suffixChars = Math.Min(after, length - prefixChars);
        prefixChars = Math.Min(before, length - suffixChars);
        return (text.Substring(offset - prefixChars, prefixChars), text.Substring(offset, suffixChars));
    }
}
