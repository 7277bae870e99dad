using System.Text;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

public sealed class GgufReaderTests
{
    [Fact]
    public void Read_SharedFimModel_ReportsLlamaShapeAndFimIds()
    {
        var path = TestModels.Require(TestModels.Fim);

        var file = GgufReader.Read(path);

        Assert.Equal("llama", file.Architecture);
        Assert.Equal(5, file.GetInteger("llama.block_count"));
        Assert.Equal(3, file.GetInteger("tokenizer.ggml.fim_pre_token_id"));
        Assert.Equal(512, file.GetArray("tokenizer.ggml.tokens")!.Count);
        Assert.Equal("<fim_prefix>", file.GetArray("tokenizer.ggml.tokens")!.Items![3]);
        Assert.True(file.IsComplete);
        Assert.Equal(new FileInfo(path).Length, file.ExpectedFileSize);
    }

    [Fact]
    public void Read_WrittenModel_RoundTripsMetadataAndTensorShapes()
    {
        var bytes = TestGguf.Model("qwen2", ["<|fim_prefix|>"]).Set("general.alignment", 64u).ToBytes();

        var file = GgufReader.Read(new MemoryStream(bytes));

        Assert.Equal(3u, file.Version);
        Assert.Equal(64u, file.Alignment);
        Assert.Equal(0, file.DataOffset % 64);
        Assert.Equal("qwen2", file.Architecture);
        Assert.Equal("test model", file.GetString("general.name"));
        Assert.Equal(TestGguf.Layers * 7 + 3, file.Tensors.Count);
        var q = file.Tensors.Single(t => t.Name == "blk.1.attn_q.weight");
        Assert.Equal([TestGguf.Embedding, TestGguf.Embedding], q.Dimensions);
        Assert.Equal(1, q.Layer);
        Assert.Equal(bytes.Length, file.ExpectedFileSize);
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsTheSameHeader()
    {
        var bytes = TestGguf.Model("llama", []).ToBytes();

        var file = GgufReader.Read(new ForwardOnlyStream(bytes));

        Assert.Null(file.FileSize);
        Assert.Equal("llama", file.Architecture);
    }

    [Fact]
    public void Read_LongArrayNotAskedFor_SkippedWithCountKept()
    {
        var merges = Enumerable.Range(0, 5000).Select(i => (object)$"m {i}").ToArray();
        var bytes = TestGguf.Model("llama", []).SetArray("tokenizer.ggml.merges", GgufValueType.String, merges).ToBytes();

        var file = GgufReader.Read(new MemoryStream(bytes));

        var array = file.GetArray("tokenizer.ggml.merges")!;
        Assert.Equal(5000, array.Count);
        Assert.Null(array.Items);
        Assert.NotNull(file.GetArray("tokenizer.ggml.tokens")!.Items);
    }

    [Fact]
    public void Read_TextFile_RefusedAsNotGguf()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream("<html>404</html>"u8.ToArray())));

        Assert.Contains("does not start with 'GGUF'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Version1_RefusedWithAdvice()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(Header(1, 0, 0))));

        Assert.Contains("version 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AbsurdTensorCount_RefusedBeforeAllocating()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(Header(3, 1UL << 40, 0))));

        Assert.Contains("tensor count", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CountLargerThanTheFileCanHold_Refused()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(Header(3, 0, 900_000))));

        Assert.Contains("more than the", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StringLongerThanTheFile_Refused()
    {
        var bytes = Build(w =>
        {
            WriteString(w, "general.name");
            w.Write((uint)GgufValueType.String);
            w.Write(1_000_000UL);
            w.Write("short"u8);
        });

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(bytes)));

        Assert.Contains("past the end of the file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StringAboveTheCap_RefusedEvenOnAStreamOfUnknownLength()
    {
        var bytes = Build(w =>
        {
            WriteString(w, "general.name");
            w.Write((uint)GgufValueType.String);
            w.Write(ulong.MaxValue);
        });

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new ForwardOnlyStream(bytes)));

        Assert.Contains("above the limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ArrayLongerThanTheFileCanHold_Refused()
    {
        var bytes = Build(w =>
        {
            WriteString(w, "tokenizer.ggml.scores");
            w.Write((uint)GgufValueType.Array);
            w.Write((uint)GgufValueType.Float32);
            w.Write(10_000_000UL);
        });

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(bytes)));

        Assert.Contains("array length", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownValueType_Refused()
    {
        var bytes = Build(w =>
        {
            WriteString(w, "general.x");
            w.Write(77u);
            w.Write(0UL);
        });

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(bytes)));

        Assert.Contains("Unknown metadata value type 77", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateKey_Refused()
    {
        var bytes = Build(
            w =>
            {
                for (var i = 0; i < 2; i++)
                {
                    WriteString(w, "general.name");
                    w.Write((uint)GgufValueType.String);
                    WriteString(w, "x");
                }
            },
            kvCount: 2);

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(bytes)));

        Assert.Contains("appears twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TensorWithFiveDimensions_Refused()
    {
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Header(3, 1, 0));
            WriteString(w, "t");
            w.Write(5u);
            for (var i = 0; i < 5; i++)
            {
                w.Write(2UL);
            }

            w.Write(0u);
            w.Write(0UL);
            w.Write(new byte[64]);
        }

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(memory.ToArray())));

        Assert.Contains("5 dimensions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_NamedPipe_RefusedWithoutWaitingForAWriter()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.gguf");
        NamedPipeFile.Create(path);

        var read = Task.Run(() => Record.Exception(() => GgufReader.Read(path)), TestContext.Current.CancellationToken);

        // Opening a FIFO waits for a writer forever; 30 s is only the bound on that hang.
        var ex = Assert.IsType<GgufFormatException>(await read.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Contains("named pipe", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderCutShort_SaysTruncated()
    {
        var bytes = TestGguf.Model("llama", []).ToBytes();

        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new ForwardOnlyStream(bytes[..200])));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TensorDataCutShort_ReportsIncomplete()
    {
        var bytes = TestGguf.Model("llama", []).ToBytes();

        var file = GgufReader.Read(new MemoryStream(bytes[..(bytes.Length - 100)]));

        Assert.False(file.IsComplete);
        Assert.Equal(bytes.Length, file.ExpectedFileSize);
    }

    private static byte[] Header(uint version, ulong tensors, ulong kvs)
    {
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory))
        {
            w.Write("GGUF"u8);
            w.Write(version);
            w.Write(tensors);
            w.Write(kvs);
        }

        return memory.ToArray();
    }

    private static byte[] Build(Action<BinaryWriter> writeMetadata, ulong kvCount = 1)
    {
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Header(3, 0, kvCount));
            writeMetadata(w);
        }

        return memory.ToArray();
    }

    private static void WriteString(BinaryWriter w, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    /// <summary>A stream that cannot seek or tell its length, like a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
