namespace LspCopilot.Engine.Models;

/// <summary>
/// ggml tensor types: name, elements per block and bytes per block (from ggml's type traits), to
/// size tensors without loading them. Ids that ggml removed or that a newer llama.cpp added are
/// reported as unknown rather than guessed.
/// </summary>
public static class GgmlTypes
{
    private static readonly Dictionary<int, (string Name, int BlockSize, int BlockBytes)> s_types = new()
    {
        [0] = ("F32", 1, 4),
        [1] = ("F16", 1, 2),
        [2] = ("Q4_0", 32, 18),
        [3] = ("Q4_1", 32, 20),
        [6] = ("Q5_0", 32, 22),
        [7] = ("Q5_1", 32, 24),
        [8] = ("Q8_0", 32, 34),
        [9] = ("Q8_1", 32, 36),
        [10] = ("Q2_K", 256, 84),
        [11] = ("Q3_K", 256, 110),
        [12] = ("Q4_K", 256, 144),
        [13] = ("Q5_K", 256, 176),
        [14] = ("Q6_K", 256, 210),
        [15] = ("Q8_K", 256, 292),
        [16] = ("IQ2_XXS", 256, 66),
        [17] = ("IQ2_XS", 256, 74),
        [18] = ("IQ3_XXS", 256, 98),
        [19] = ("IQ1_S", 256, 50),
        [20] = ("IQ4_NL", 32, 18),
        [21] = ("IQ3_S", 256, 110),
        [22] = ("IQ2_S", 256, 82),
        [23] = ("IQ4_XS", 256, 136),
        [24] = ("I8", 1, 1),
        [25] = ("I16", 1, 2),
        [26] = ("I32", 1, 4),
        [27] = ("I64", 1, 8),
        [28] = ("F64", 1, 8),
        [29] = ("IQ1_M", 256, 56),
        [30] = ("BF16", 1, 2),
        [34] = ("TQ1_0", 256, 54),
        [35] = ("TQ2_0", 256, 66),
        [39] = ("MXFP4", 32, 17),
    };

    public const int F32 = 0;
    public const int F16 = 1;
    public const int Q8_0 = 8;
    public const int Q4_0 = 2;

    public static string Name(int type) => s_types.TryGetValue(type, out var t) ? t.Name : $"type{type}";

    public static bool IsKnown(int type) => s_types.ContainsKey(type);

    /// <summary>Bytes that <paramref name="elements"/> values of <paramref name="type"/> take, or null for an unknown type.</summary>
    public static long? ByteSize(int type, long elements)
    {
        if (!s_types.TryGetValue(type, out var t) || elements < 0)
        {
            return null;
        }

        // Rows are whole blocks; a partial block still takes a whole one.
        var blocks = (elements + t.BlockSize - 1) / t.BlockSize;
        return blocks > long.MaxValue / t.BlockBytes ? null : blocks * t.BlockBytes;
    }

    /// <summary>Average bytes per value (e.g. 1.0625 for Q8_0), for KV cache estimates.</summary>
    public static double BytesPerElement(int type) =>
        s_types.TryGetValue(type, out var t) ? (double)t.BlockBytes / t.BlockSize : throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ggml type.");
}
