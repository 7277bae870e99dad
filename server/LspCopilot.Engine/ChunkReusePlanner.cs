using LLama.Native;

namespace LspCopilot.Engine;

/// <summary>A run of cached tokens that reappears in the new prompt at another position.</summary>
internal readonly record struct ChunkMove(int CacheStart, int PromptStart, int Length);

/// <summary>
/// Finds, after the common prefix, runs of at least <c>minChunk</c> cached tokens that appear again,
/// in the same order, later in the new prompt: text after an inserted or deleted span. Runs are found
/// through a hash of every <c>minChunk</c>-token window of the prompt, so planning is linear.
/// </summary>
internal static class ChunkReusePlanner
{
    public static List<ChunkMove> Plan(IReadOnlyList<LLamaToken> cache, IReadOnlyList<LLamaToken> prompt, int common, int minChunk)
    {
        var moves = new List<ChunkMove>();

        // The prompt's last token is never reused: it is decoded for its logits.
        var promptLimit = prompt.Count - 1;
        if (cache.Count - common < minChunk || promptLimit - common < minChunk)
        {
            return moves;
        }

        var windows = new Dictionary<ulong, List<int>>();
        for (var p = common; p + minChunk <= promptLimit; p++)
        {
            var key = Hash(prompt, p, minChunk);
            if (!windows.TryGetValue(key, out var positions))
            {
                windows[key] = positions = [];
            }

            positions.Add(p);
        }

        var headCache = common;
        var headPrompt = common;
        while (headCache + minChunk <= cache.Count && headPrompt + minChunk <= promptLimit)
        {
            var target = windows.TryGetValue(Hash(cache, headCache, minChunk), out var candidates)
                ? candidates.FirstOrDefault(p => p >= headPrompt && Same(cache, headCache, prompt, p, minChunk), -1)
                : -1;
            if (target < 0)
            {
                headCache++;
                continue;
            }

            var length = minChunk;
            while (headCache + length < cache.Count && target + length < promptLimit && cache[headCache + length] == prompt[target + length])
            {
                length++;
            }

            moves.Add(new ChunkMove(headCache, target, length));
            headCache += length;
            headPrompt = target + length;
        }

        return moves;
    }

    private static bool Same(IReadOnlyList<LLamaToken> a, int aStart, IReadOnlyList<LLamaToken> b, int bStart, int length)
    {
        for (var i = 0; i < length; i++)
        {
            if (a[aStart + i] != b[bStart + i])
            {
                return false;
            }
        }

        return true;
    }

    private static ulong Hash(IReadOnlyList<LLamaToken> tokens, int start, int length)
    {
        // FNV-1a over the token ids; a collision only costs the explicit comparison above.
        var hash = 14695981039346656037UL;
        for (var i = start; i < start + length; i++)
        {
            hash = (hash ^ (uint)(int)tokens[i]) * 1099511628211UL;
        }

        return hash;
    }
}
