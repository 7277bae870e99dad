namespace LspCopilot.Engine.Models;

/// <summary>
/// Derives a smaller model from a GGUF by keeping its first transformer blocks and dropping the rest: the vocabulary,
/// embeddings, output head and every other key stay as they are, so the result tokenizes exactly like the source (a
/// draft model for it, e.g. for tests and <c>bench --suite decode</c>). Its guesses are worse than the source's; that
/// is the point of a cheaper draft.
/// </summary>
public static class LayerDropper
{
    /// <summary>Writes <paramref name="destination"/>: <paramref name="source"/> with only its first <paramref name="keepBlocks"/> blocks.</summary>
    public static void Derive(string source, string destination, int keepBlocks)
    {
        var file = GgufReader.Read(source, GgufReadOptions.Everything);
        var blockKey = file.ArchKey("block_count");
        var blocks = file.GetInteger(blockKey) ?? throw new GgufFormatException($"{Path.GetFileName(source)} has no {blockKey}");
        if (keepBlocks < 1 || keepBlocks > blocks)
        {
            throw new ArgumentOutOfRangeException(nameof(keepBlocks), $"keep between 1 and {blocks} blocks, not {keepBlocks}");
        }

        var metadata = new List<KeyValuePair<string, GgufValue>>();
        foreach (var key in file.MetadataOrder)
        {
            var value = file.Metadata[key];
            if (key == blockKey)
            {
                value = new GgufValue(value.Type, Convert.ChangeType(keepBlocks, value.Value.GetType(), System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (key.StartsWith(file.Architecture + ".", StringComparison.Ordinal) && value.Value is GgufArray { Items: { } items } array && array.Count == blocks)
            {
                // A per-block setting (some architectures vary head counts by block): keep the kept blocks' values.
                value = new GgufValue(value.Type, new GgufArray(array.ElementType, keepBlocks, [.. items.Take(keepBlocks)]));
            }

            metadata.Add(new(key, value));
        }

        // Blocks are already numbered from 0, so keeping the first ones needs no renumbering.
        var kept = file.Tensors.Where(t => t.Layer is not int layer || layer < keepBlocks).Select(t => (t.Name, Source: t)).ToList();
        var temporary = destination + ".partial";
        using (var input = File.OpenRead(source))
        using (var output = File.Create(temporary))
        {
            var writer = new GgufStreamWriter(output, file.Alignment);
            writer.Header(file.Version, kept.Count, metadata);
            var offsets = writer.Table(kept);
            var dataStart = writer.Position;
            for (var i = 0; i < kept.Count; i++)
            {
                input.Position = file.DataOffset + kept[i].Source.Offset;
                writer.Data(dataStart, offsets[i], input, kept[i].Source.ByteSize!.Value);
            }

            writer.Finish();
        }

        File.Move(temporary, destination, overwrite: true);
    }
}
