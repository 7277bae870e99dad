namespace LspCopilot.Server.Benchmarks.ContextQuality;

/// <summary>Finds a name in text as a whole identifier: <c>Price</c> is in <c>item.Price;</c>, not in <c>PriceList</c>.</summary>
public static class WholeIdentifier
{
    public static bool Occurs(string text, string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        for (var at = text.IndexOf(name, StringComparison.Ordinal); at >= 0; at = text.IndexOf(name, at + 1, StringComparison.Ordinal))
        {
            var end = at + name.Length;
            if ((at == 0 || !IsIdentifierChar(text[at - 1])) && (end == text.Length || !IsIdentifierChar(text[end])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
