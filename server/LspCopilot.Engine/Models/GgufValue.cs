using System.Globalization;

namespace LspCopilot.Engine.Models;

/// <summary>
/// One metadata value with its GGUF type kept, so a file can be written back byte-compatible.
/// <see cref="Value"/> is the matching .NET scalar (byte, sbyte, ushort, short, uint, int, float,
/// bool, string, ulong, long, double) or a <see cref="GgufArray"/>.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value)
{
    public static GgufValue Of(string value) => new(GgufValueType.String, value);

    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);

    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);

    public static GgufValue Of(ulong value) => new(GgufValueType.UInt64, value);

    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);

    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);

    /// <summary>The value as an integer, when it is one of the integer types and fits.</summary>
    public long? AsInteger() => Value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => null,
    };

    public double? AsFloat() => Value switch
    {
        float v => v,
        double v => v,
        _ => AsInteger(),
    };

    public override string ToString() => Value switch
    {
        string s => s,
        GgufArray a => $"[{a.ElementType} x {a.Count}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? string.Empty,
    };
}

/// <summary>
/// An array value. <see cref="Items"/> is null when the reader skipped a long array it was not asked
/// to keep (BPE merges, scores): the count is still known.
/// </summary>
public sealed record GgufArray(GgufValueType ElementType, long Count, IReadOnlyList<object>? Items)
{
    public long? IntegerAt(int index) => Items is { } items && index < items.Count ? new GgufValue(ElementType, items[index]).AsInteger() : null;
}
