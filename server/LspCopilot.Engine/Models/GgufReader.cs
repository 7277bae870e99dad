using System.Buffers.Binary;
using System.Buffers;
using System.Globalization;
using System.Text;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>
/// Streams the header of a GGUF file (v2/v3): metadata and tensor infos, never tensor data. The
/// file is untrusted, so every count and length is checked against fixed caps and against the bytes
/// left in the file before anything is allocated; violations raise <see cref="GgufFormatException"/>.
/// </summary>
public sealed class GgufReader
{
    public const int MaxTensors = 1_000_000;
    public const int MaxMetadataEntries = 1_000_000;
    public const int MaxKeyBytes = 65_535;
    public const int MaxStringBytes = 64 << 20;
    public const long MaxArrayLength = 1L << 28;
    public const int MaxDimensions = 4;
    private const int MaxNesting = 3;
    private const uint DefaultAlignment = 32;

    private readonly Stream _stream;
    private readonly GgufReadOptions _options;
    private readonly long? _length;
    private readonly byte[] _scratch = new byte[8];
    private long _position;

    private GgufReader(Stream stream, GgufReadOptions options)
    {
        _stream = stream;
        _options = options;
        _length = stream.CanSeek ? stream.Length - stream.Position : null;
    }

    public static GgufFile Read(string path, GgufReadOptions? options = null)
    {
        if (FileKinds.Of(path) is not (FileKind.Regular or FileKind.Missing) and var kind)
        {
            // Opening a named pipe blocks until something writes to it, and a device may never end.
            throw new GgufFormatException($"'{path}' is {FileKinds.Describe(kind)}, not a regular file: point at the .gguf file itself.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, options);
    }

    /// <summary>Reads from the stream's current position; a seekable stream also bounds lengths by the bytes left.</summary>
    public static GgufFile Read(Stream stream, GgufReadOptions? options = null)
    {
        var source = stream is FileStream or BufferedStream or MemoryStream ? stream : new BufferedStream(stream, 1 << 16);
        return new GgufReader(source, options ?? new GgufReadOptions()).Parse();
    }

    private long Remaining => _length is long length ? length - _position : long.MaxValue;

    private GgufFile Parse()
    {
        try
        {
            return ParseHeader();
        }
        catch (EndOfStreamException ex)
        {
            throw new GgufFormatException($"The file ends at byte {_position:N0}, inside its GGUF header: it is truncated (an interrupted download?).", ex);
        }
    }

    private GgufFile ParseHeader()
    {
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(magic);
        if (!magic.SequenceEqual("GGUF"u8))
        {
            throw new GgufFormatException("Not a GGUF file: it does not start with 'GGUF'.");
        }

        var version = ReadUInt32();
        if (version is < 2 or > 3)
        {
            throw new GgufFormatException(version == 1
                ? "GGUF version 1 is not supported: convert the model again with a current llama.cpp."
                : $"Unknown GGUF version {version}: this build reads versions 2 and 3.");
        }

        var tensorCount = ReadCount(ReadUInt64(), MaxTensors, minBytesEach: 8 + 4 + 8 + 4 + 8, "tensor count");
        var kvCount = ReadCount(ReadUInt64(), MaxMetadataEntries, minBytesEach: 8 + 4 + 1, "metadata entry count");

        var metadata = new Dictionary<string, GgufValue>(kvCount, StringComparer.Ordinal);
        var order = new List<string>(kvCount);
        for (var i = 0; i < kvCount; i++)
        {
            var at = _position;
            var key = ReadString(MaxKeyBytes, "metadata key");
            var type = ReadValueType();
            var keep = _options.AlwaysKeep.Contains(key);
            var value = ReadValue(type, keep, depth: 0);
            if (!metadata.TryAdd(key, value))
            {
                throw new GgufFormatException($"Metadata key '{key}' appears twice (at byte {at:N0}); the file is malformed.");
            }

            order.Add(key);
        }

        var alignment = DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out var align))
        {
            if (align.Value is not uint a || a == 0 || (a & (a - 1)) != 0)
            {
                throw new GgufFormatException($"general.alignment is {align}: it must be a power of two stored as uint32.");
            }

            alignment = a;
        }

        var tensors = new List<GgufTensorInfo>(tensorCount);
        var names = new HashSet<string>(tensorCount, StringComparer.Ordinal);
        for (var i = 0; i < tensorCount; i++)
        {
            var tensor = ReadTensorInfo();
            if (!names.Add(tensor.Name))
            {
                throw new GgufFormatException($"Tensor '{tensor.Name}' is declared twice; the file is malformed.");
            }

            tensors.Add(tensor);
        }

        var dataOffset = (_position + alignment - 1) / alignment * alignment;
        return new GgufFile
        {
            Version = version,
            Metadata = metadata,
            MetadataOrder = order,
            Tensors = tensors,
            DataOffset = dataOffset,
            Alignment = alignment,
            FileSize = _length,
        };
    }

    private GgufTensorInfo ReadTensorInfo()
    {
        var name = ReadString(MaxKeyBytes, "tensor name");
        var dims = ReadUInt32();
        if (dims is 0 or > MaxDimensions)
        {
            throw new GgufFormatException($"Tensor '{name}' has {dims} dimensions; ggml tensors have 1 to {MaxDimensions}.");
        }

        var shape = new long[dims];
        long elements = 1;
        for (var d = 0; d < dims; d++)
        {
            var size = ReadUInt64();
            if (size > long.MaxValue || (size != 0 && (ulong)elements > (ulong)long.MaxValue / size))
            {
                throw new GgufFormatException($"Tensor '{name}' has a shape whose element count overflows 64 bits.");
            }

            shape[d] = (long)size;
            elements *= (long)size;
        }

        var type = ReadUInt32();
        if (type > 1024)
        {
            throw new GgufFormatException($"Tensor '{name}' has type id {type}, which no ggml version defines.");
        }

        var offset = ReadUInt64();
        if (offset > long.MaxValue / 2)
        {
            throw new GgufFormatException($"Tensor '{name}' has an absurd data offset {offset}.");
        }

        return new GgufTensorInfo(name, shape, (int)type, (long)offset);
    }

    private GgufValue ReadValue(GgufValueType type, bool keepArray, int depth) => type switch
    {
        GgufValueType.UInt8 => new(type, ReadByteValue()),
        GgufValueType.Int8 => new(type, (sbyte)ReadByteValue()),
        GgufValueType.UInt16 => new(type, BinaryPrimitives.ReadUInt16LittleEndian(Fill(2))),
        GgufValueType.Int16 => new(type, BinaryPrimitives.ReadInt16LittleEndian(Fill(2))),
        GgufValueType.UInt32 => new(type, ReadUInt32()),
        GgufValueType.Int32 => new(type, BinaryPrimitives.ReadInt32LittleEndian(Fill(4))),
        GgufValueType.Float32 => new(type, BinaryPrimitives.ReadSingleLittleEndian(Fill(4))),
        GgufValueType.Bool => new(type, ReadBool()),
        GgufValueType.String => new(type, ReadString(MaxStringBytes, "string value")),
        GgufValueType.UInt64 => new(type, ReadUInt64()),
        GgufValueType.Int64 => new(type, BinaryPrimitives.ReadInt64LittleEndian(Fill(8))),
        GgufValueType.Float64 => new(type, BinaryPrimitives.ReadDoubleLittleEndian(Fill(8))),
        GgufValueType.Array => new(type, ReadArray(keepArray, depth)),
        _ => throw new GgufFormatException($"Unknown metadata value type {(uint)type} at byte {_position:N0}."),
    };

    private GgufArray ReadArray(bool keep, int depth)
    {
        if (depth >= MaxNesting)
        {
            throw new GgufFormatException($"Arrays nested deeper than {MaxNesting} levels at byte {_position:N0}.");
        }

        var elementType = ReadValueType();
        var count = (long)ReadCount(ReadUInt64(), MaxArrayLength, MinBytes(elementType), "array length");
        if (!keep && count > _options.MaxKeptArrayLength)
        {
            for (long i = 0; i < count; i++)
            {
                SkipValue(elementType, depth + 1);
            }

            return new GgufArray(elementType, count, null);
        }

        var items = new object[count];
        for (long i = 0; i < count; i++)
        {
            items[i] = ReadValue(elementType, keep, depth + 1).Value;
        }

        return new GgufArray(elementType, count, items);
    }

    private void SkipValue(GgufValueType type, int depth)
    {
        switch (type)
        {
            case GgufValueType.String:
                var length = ReadUInt64();
                if (length > MaxStringBytes || (long)length > Remaining)
                {
                    throw new GgufFormatException($"A string of {length:N0} bytes at byte {_position:N0} is longer than the file or the {MaxStringBytes:N0}-byte limit.");
                }

                Skip((long)length);
                break;
            case GgufValueType.Array:
                ReadArray(keep: false, depth);
                break;
            default:
                var size = MinBytes(type);
                if (size == 0)
                {
                    throw new GgufFormatException($"Unknown metadata value type {(uint)type} at byte {_position:N0}.");
                }

                Skip(size);
                break;
        }
    }

    /// <summary>Fewest bytes one value of the type can take on disk (0 for an unknown type).</summary>
    private static int MinBytes(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 12,
        _ => 0,
    };

    private GgufValueType ReadValueType()
    {
        var at = _position;
        var raw = ReadUInt32();
        if (raw > (uint)GgufValueType.Float64)
        {
            throw new GgufFormatException($"Unknown metadata value type {raw} at byte {at:N0}.");
        }

        return (GgufValueType)raw;
    }

    private int ReadCount(ulong count, long cap, int minBytesEach, string what)
    {
        if (count > (ulong)cap)
        {
            throw new GgufFormatException(string.Format(CultureInfo.InvariantCulture, "The {0} is {1:N0}, above the limit of {2:N0}: the file is corrupt or not a model.", what, count, cap));
        }

        if (minBytesEach > 0 && (long)count > Remaining / minBytesEach)
        {
            throw new GgufFormatException(string.Format(CultureInfo.InvariantCulture, "The {0} is {1:N0}, more than the {2:N0} bytes left in the file can hold: the file is corrupt or truncated.", what, count, Remaining));
        }

        return (int)Math.Min(count, int.MaxValue);
    }

    private string ReadString(int maxBytes, string what)
    {
        var at = _position;
        var length = ReadUInt64();
        if (length > (ulong)maxBytes)
        {
            throw new GgufFormatException($"A {what} of {length:N0} bytes at byte {at:N0} is above the limit of {maxBytes:N0} bytes: the file is corrupt.");
        }

        if ((long)length > Remaining)
        {
            throw new GgufFormatException($"A {what} of {length:N0} bytes at byte {at:N0} runs past the end of the file: it is truncated.");
        }

        if (length == 0)
        {
            return string.Empty;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            ReadExactly(buffer.AsSpan(0, (int)length));
            return Encoding.UTF8.GetString(buffer, 0, (int)length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool ReadBool()
    {
        var b = ReadByteValue();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new GgufFormatException($"A boolean at byte {_position - 1:N0} holds {b}, not 0 or 1."),
        };
    }

    private byte ReadByteValue() => Fill(1)[0];

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(4));

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Fill(8));

    private ReadOnlySpan<byte> Fill(int count)
    {
        var span = _scratch.AsSpan(0, count);
        ReadExactly(span);
        return span;
    }

    private void ReadExactly(Span<byte> destination)
    {
        _stream.ReadExactly(destination);
        _position += destination.Length;
    }

    private void Skip(long count)
    {
        if (count > Remaining)
        {
            throw new EndOfStreamException();
        }

        if (_stream.CanSeek)
        {
            _stream.Seek(count, SeekOrigin.Current);
            _position += count;
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            while (count > 0)
            {
                var chunk = (int)Math.Min(count, buffer.Length);
                ReadExactly(buffer.AsSpan(0, chunk));
                count -= chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
