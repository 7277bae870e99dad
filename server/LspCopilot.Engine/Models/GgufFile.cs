namespace LspCopilot.Engine.Models;

/// <summary>The header of a GGUF file: metadata and tensor infos (never the tensor data).</summary>
public sealed record GgufFile
{
    public required uint Version { get; init; }

    public required IReadOnlyDictionary<string, GgufValue> Metadata { get; init; }

    /// <summary>Metadata keys in file order (the dictionary does not keep it).</summary>
    public required IReadOnlyList<string> MetadataOrder { get; init; }

    public required IReadOnlyList<GgufTensorInfo> Tensors { get; init; }

    /// <summary>Where the tensor data section starts (aligned).</summary>
    public required long DataOffset { get; init; }

    public required uint Alignment { get; init; }

    /// <summary>Bytes in the file or stream, when known.</summary>
    public long? FileSize { get; init; }

    /// <summary>The size the file must have to hold every tensor; null if a tensor type is unknown.</summary>
    public long? ExpectedFileSize
    {
        get
        {
            long end = DataOffset;
            foreach (var t in Tensors)
            {
                if (t.ByteSize is not long size)
                {
                    return null;
                }

                end = Math.Max(end, DataOffset + t.Offset + size);
            }

            return end;
        }
    }

    /// <summary>False when the file is shorter than its tensors need (an interrupted download).</summary>
    public bool IsComplete => FileSize is not long size || ExpectedFileSize is not long expected || size >= expected;

    public string? Architecture => GetString("general.architecture");

    public GgufValue? Get(string key) => Metadata.GetValueOrDefault(key);

    public string? GetString(string key) => Metadata.TryGetValue(key, out var v) && v.Value is string s ? s : null;

    public long? GetInteger(string key) => Metadata.TryGetValue(key, out var v) ? v.AsInteger() : null;

    public double? GetFloat(string key) => Metadata.TryGetValue(key, out var v) ? v.AsFloat() : null;

    public bool? GetBool(string key) => Metadata.TryGetValue(key, out var v) && v.Value is bool b ? b : null;

    public GgufArray? GetArray(string key) => Metadata.TryGetValue(key, out var v) ? v.Value as GgufArray : null;

    /// <summary>An architecture-scoped key, e.g. <c>ArchKey("block_count")</c> → <c>llama.block_count</c>.</summary>
    public string ArchKey(string name) => $"{Architecture}.{name}";
}
