using LspCopilot.Engine.Models;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

public sealed class ModelCacheTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public void DownloadUrl_HubLayout_ResolveMainWithEscapedSegments()
    {
        var reference = ModelReference.Parse("ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF", "sub dir/qwen2.5-coder-1.5b-q8_0.gguf");

        var url = reference.DownloadUrl(new Uri("https://hub.example/mirror/"));

        Assert.Equal("https://hub.example/mirror/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/resolve/main/sub%20dir/qwen2.5-coder-1.5b-q8_0.gguf", url.AbsoluteUri);
    }

    [Theory]
    [InlineData("owner", "f.gguf")]
    [InlineData("owner/name/extra", "f.gguf")]
    [InlineData("../name", "f.gguf")]
    [InlineData("owner/name", "/etc/passwd")]
    [InlineData("owner/name", "a/../../b.gguf")]
    [InlineData("owner/name", "a\\b.gguf")]
    [InlineData("owner/name", "C:evil.gguf")]
    public void Parse_UnsafeOrMalformed_Refused(string repo, string file)
    {
        Assert.Throws<ArgumentException>(() => ModelReference.Parse(repo, file));
    }

    [Fact]
    public void ResolveEndpoint_OptionThenEnvironmentThenHub()
    {
        Assert.Equal("http://127.0.0.1:8080/", ModelReference.ResolveEndpoint("http://127.0.0.1:8080").AbsoluteUri);
        Assert.Throws<ArgumentException>(() => ModelReference.ResolveEndpoint("ftp://example"));
    }

    [Fact]
    public void PathFor_OwnerNameFileUnderTheRoot()
    {
        var cache = new ModelCache(_temp.Path);

        var path = cache.PathFor(ModelReference.Parse("acme/Coder-GGUF", "q/coder.gguf"));

        Assert.Equal(Path.Combine(_temp.Path, "acme", "Coder-GGUF", "q", "coder.gguf"), path);
    }

    [Fact]
    public void FindInCache_OnlyACompleteFileCounts()
    {
        var target = new ModelCache(_temp.Path).PathFor(ModelDefaults.Reference);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllBytes(target + ModelCache.PartialSuffix, [1]);

        Assert.Null(ModelDefaults.FindInCache(_temp.Path));

        File.Move(target + ModelCache.PartialSuffix, target);

        Assert.Equal(target, ModelDefaults.FindInCache(_temp.Path));
    }

    [Fact]
    public void MissingMessage_NamesTheExactPullCommandAndTheCache()
    {
        var message = ModelDefaults.MissingMessage(_temp.Path);

        Assert.Contains("lspcopilot model pull ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF qwen2.5-coder-1.5b-q8_0.gguf", message, StringComparison.Ordinal);
        Assert.Contains(_temp.Path, message, StringComparison.Ordinal);
    }

    [Fact]
    public void List_MissingRoot_Empty()
    {
        Assert.Empty(new ModelCache(Path.Combine(_temp.Path, "nothing")).List());
    }

    public void Dispose() => _temp.Dispose();
}
