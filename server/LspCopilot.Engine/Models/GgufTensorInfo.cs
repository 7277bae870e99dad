namespace LspCopilot.Engine.Models;

/// <summary>One tensor's header entry: name, shape, ggml type and offset inside the data section.</summary>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, int Type, long Offset)
{
    /// <summary>Number of values (product of the dimensions); the reader refuses shapes that overflow.</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var d in Dimensions)
            {
                count *= d;
            }

            return count;
        }
    }

    /// <summary>Bytes in the file, or null when the type is unknown to us.</summary>
    public long? ByteSize => GgmlTypes.ByteSize(Type, ElementCount);

    /// <summary>The transformer block this tensor belongs to (<c>blk.N.</c>), or null for embeddings/output.</summary>
    public int? Layer
    {
        get
        {
            if (!Name.StartsWith("blk.", StringComparison.Ordinal))
            {
                return null;
            }

            var end = Name.IndexOf('.', 4);
            return end > 4 && int.TryParse(Name.AsSpan(4, end - 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
        }
    }
}
