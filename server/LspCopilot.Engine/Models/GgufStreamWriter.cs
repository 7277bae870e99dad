using System.Globalization;
using System.Text;

namespace LspCopilot.Engine.Models;

/// <summary>
/// Writes a GGUF v3 file in one pass: the header, the metadata, the tensor table, then each tensor's bytes at its aligned
/// offset (copied from a source stream, so a multi-gigabyte model never has to fit in memory).
/// </summary>
internal sealed class GgufStreamWriter(Stream output, uint alignment)
{
    private readonly BinaryWriter _w = new(output, Encoding.UTF8, leaveOpen: true);

    public void Header(uint version, int tensors, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata)
    {
        _w.Write("GGUF"u8);
        _w.Write(version);
        _w.Write((ulong)tensors);
        _w.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            Text(key);
            _w.Write((uint)value.Type);
            Value(value.Type, value.Value);
        }
    }

    /// <summary>Writes the tensor table; returns each tensor's offset from the start of the data section.</summary>
    public long[] Table(IReadOnlyList<(string Name, GgufTensorInfo Source)> tensors)
    {
        var offsets = new long[tensors.Count];
        long offset = 0;
        for (var i = 0; i < tensors.Count; i++)
        {
            var (name, source) = tensors[i];
            Text(name);
            _w.Write((uint)source.Dimensions.Count);
            foreach (var dimension in source.Dimensions)
            {
                _w.Write((ulong)dimension);
            }

            _w.Write((uint)source.Type);
            _w.Write((ulong)offset);
            offsets[i] = offset;
            offset = Align(offset + (source.ByteSize ?? throw new GgufFormatException($"tensor {source.Name} has an unknown type {source.Type}")));
        }

        PadTo(Align(_w.BaseStream.Position));
        return offsets;
    }

    /// <summary>Copies <paramref name="length"/> bytes from <paramref name="source"/> to data offset <paramref name="offset"/>.</summary>
    public void Data(long dataStart, long offset, Stream source, long length)
    {
        PadTo(dataStart + offset);
        _w.Flush();
        var buffer = new byte[1 << 20];
        while (length > 0)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
            if (read <= 0)
            {
                throw new GgufFormatException("the source model ended inside a tensor");
            }

            output.Write(buffer, 0, read);
            length -= read;
        }
    }

    public void Finish()
    {
        PadTo(Align(_w.BaseStream.Position));
        _w.Flush();
    }

    public long Position
    {
        get
        {
            _w.Flush();
            return output.Position;
        }
    }

    private long Align(long value) => (value + alignment - 1) / alignment * alignment;

    private void PadTo(long target)
    {
        for (var i = _w.BaseStream.Position; i < target; i++)
        {
            _w.Write((byte)0);
        }
    }

    private void Text(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        _w.Write((ulong)bytes.Length);
        _w.Write(bytes);
    }

    private void Value(GgufValueType type, object value)
    {
        var c = CultureInfo.InvariantCulture;
        switch (type)
        {
            case GgufValueType.UInt8: _w.Write(Convert.ToByte(value, c)); break;
            case GgufValueType.Int8: _w.Write(Convert.ToSByte(value, c)); break;
            case GgufValueType.UInt16: _w.Write(Convert.ToUInt16(value, c)); break;
            case GgufValueType.Int16: _w.Write(Convert.ToInt16(value, c)); break;
            case GgufValueType.UInt32: _w.Write(Convert.ToUInt32(value, c)); break;
            case GgufValueType.Int32: _w.Write(Convert.ToInt32(value, c)); break;
            case GgufValueType.UInt64: _w.Write(Convert.ToUInt64(value, c)); break;
            case GgufValueType.Int64: _w.Write(Convert.ToInt64(value, c)); break;
            case GgufValueType.Float32: _w.Write(Convert.ToSingle(value, c)); break;
            case GgufValueType.Float64: _w.Write(Convert.ToDouble(value, c)); break;
            case GgufValueType.Bool: _w.Write((bool)value); break;
            case GgufValueType.String: Text((string)value); break;
            case GgufValueType.Array:
                var array = (GgufArray)value;
                var items = array.Items ?? throw new GgufFormatException("an array was not read into memory; read the model with GgufReadOptions.Everything");
                _w.Write((uint)array.ElementType);
                _w.Write((ulong)items.Count);
                foreach (var item in items)
                {
                    Value(array.ElementType, item);
                }

                break;
            default:
                throw new GgufFormatException($"unknown metadata type {type}");
        }
    }
}
