using System.Text;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Protocol;

namespace LspCopilot.TestSupport;

/// <summary>
/// Writes GGUF v3 files for tests: metadata in order, tensor infos and (tiny) tensor data, aligned
/// as llama.cpp expects. <see cref="CopyOf"/> starts from a real model so a test can rename tokens
/// and still load the result through llama.cpp.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<(string Name, long[] Dims, int Type, byte[] Data)> _tensors = [];

    public uint Version { get; set; } = 3;

    public GgufWriter Set(string key, GgufValue value)
    {
        var index = _metadata.FindIndex(p => p.Key == key);
        if (index >= 0)
        {
            _metadata[index] = new(key, value);
        }
        else
        {
            _metadata.Add(new(key, value));
        }

        return this;
    }

    public GgufWriter Set(string key, string value) => Set(key, GgufValue.Of(value));

    public GgufWriter Set(string key, uint value) => Set(key, GgufValue.Of(value));

    public GgufWriter SetArray(string key, GgufValueType elementType, IReadOnlyList<object> items) =>
        Set(key, new GgufValue(GgufValueType.Array, new GgufArray(elementType, items.Count, items)));

    public GgufWriter SetTokens(IReadOnlyList<string> tokens, IReadOnlyList<int>? types = null)
    {
        SetArray("tokenizer.ggml.tokens", GgufValueType.String, [.. tokens]);
        return SetArray("tokenizer.ggml.token_type", GgufValueType.Int32, [.. (types ?? tokens.Select(_ => 1).ToArray()).Cast<object>()]);
    }

    public GgufWriter Remove(string key)
    {
        _metadata.RemoveAll(p => p.Key == key);
        return this;
    }

    public GgufValue? Get(string key) => _metadata.FirstOrDefault(p => p.Key == key).Value;

    /// <summary>Adds a tensor; without data it is zero-filled to the size its type and shape need.</summary>
    public GgufWriter AddTensor(string name, int type, long[] dims, byte[]? data = null)
    {
        var size = GgmlTypes.ByteSize(type, dims.Aggregate(1L, (a, b) => a * b)) ?? throw new ArgumentException("unknown type");
        _tensors.Add((name, dims, type, data ?? new byte[size]));
        return this;
    }

    public static GgufWriter CopyOf(string path)
    {
        var file = GgufReader.Read(path, GgufReadOptions.Everything);
        var writer = new GgufWriter { Version = file.Version };
        foreach (var key in file.MetadataOrder)
        {
            writer.Set(key, file.Metadata[key]);
        }

        using var stream = File.OpenRead(path);
        foreach (var tensor in file.Tensors)
        {
            var data = new byte[tensor.ByteSize!.Value];
            stream.Position = file.DataOffset + tensor.Offset;
            stream.ReadExactly(data);
            writer._tensors.Add((tensor.Name, [.. tensor.Dimensions], tensor.Type, data));
        }

        return writer;
    }

    public void WriteTo(string path) => File.WriteAllBytes(path, ToBytes());

    public byte[] ToBytes()
    {
        var alignment = Get("general.alignment")?.Value is uint a ? a : 32u;
        using var memory = new MemoryStream();
        using var w = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value.Type, value.Value);
        }

        long offset = 0;
        var offsets = new List<long>();
        foreach (var tensor in _tensors)
        {
            WriteString(w, tensor.Name);
            w.Write((uint)tensor.Dims.Length);
            foreach (var d in tensor.Dims)
            {
                w.Write((ulong)d);
            }

            w.Write((uint)tensor.Type);
            w.Write((ulong)offset);
            offsets.Add(offset);
            offset = Align(offset + tensor.Data.Length, alignment);
        }

        Pad(w, alignment);
        var dataStart = memory.Position;
        for (var i = 0; i < _tensors.Count; i++)
        {
            memory.Position = dataStart + offsets[i];
            w.Write(_tensors[i].Data);
        }

        if (_tensors.Count > 0)
        {
            Pad(w, alignment);
        }

        w.Flush();
        return memory.ToArray();
    }

    private static long Align(long value, uint alignment) => (value + alignment - 1) / alignment * alignment;

    private static void Pad(BinaryWriter w, uint alignment)
    {
        var position = w.BaseStream.Position;
        var target = Align(position, alignment);
        for (var i = position; i < target; i++)
        {
            w.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter w, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write(Convert.ToByte(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Int8: w.Write(Convert.ToSByte(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.UInt16: w.Write(Convert.ToUInt16(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Int16: w.Write(Convert.ToInt16(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.UInt32: w.Write(Convert.ToUInt32(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Int32: w.Write(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Float32: w.Write(Convert.ToSingle(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write(Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Int64: w.Write(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Float64: w.Write(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case GgufValueType.Array:
                var array = (GgufArray)value;
                w.Write((uint)array.ElementType);
                w.Write((ulong)array.Count);
                foreach (var item in array.Items!)
                {
                    WriteValue(w, array.ElementType, item);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }
}
