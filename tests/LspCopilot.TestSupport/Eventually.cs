namespace LspCopilot.TestSupport;

/// <summary>Polls a condition that another process or thread makes true, within a generous bound.</summary>
public static class Eventually
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false if it still does not after <paramref name="within"/> (default 20 s).</summary>
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return condition();
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>As <see cref="TrueAsync(Func{bool}, TimeSpan?)"/>, for a condition that has to ask over the wire.</summary>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return await condition();
            }

            await Task.Delay(50);
        }

        return true;
    }
}
