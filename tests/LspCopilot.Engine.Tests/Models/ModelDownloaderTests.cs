using System.Net.Sockets;
using System.Net;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests.Models;

/// <summary>Downloads against <see cref="StandInHub"/> on 127.0.0.1: real sockets, real HTTP, real files.</summary>
public sealed class ModelDownloaderTests : IDisposable
{
    private const string Repo = "acme/Tiny-Coder-GGUF";
    private const string FileName = "tiny-coder-q8_0.gguf";

    private readonly TempFolder _temp = new();
    private readonly HttpClient _http = ModelDownloader.CreateHttpClient();
    private readonly StandInHub _hub = new(Repo, FileName, Content());
    private readonly ModelDownloader _downloader;

    public ModelDownloaderTests()
    {
        _downloader = new ModelDownloader(_http);
    }

    private string Target => Path.Combine(_temp.Path, Repo, FileName);

    private string Partial => Target + ".partial";

    [Fact]
    public async Task Download_WholeFile_VerifiedAgainstLinkedEtagAndRenamedIntoPlace()
    {
        var progress = new List<DownloadProgress>();

        var result = await _downloader.DownloadAsync(Request(), progress.Add, TestContext.Current.CancellationToken);

        Assert.Equal(_hub.Content, await File.ReadAllBytesAsync(Target, TestContext.Current.CancellationToken));
        Assert.Equal(_hub.Sha256, result.Sha256);
        Assert.Equal("x-linked-etag", result.VerifiedWith);
        Assert.False(File.Exists(Partial));
        Assert.Equal(_hub.Content.Length, progress[^1].Received);
        Assert.Equal(_hub.Content.Length, progress[^1].Total);
    }

    [Fact]
    public async Task Download_CutMidway_ResumesWithARangeRequestAndVerifies()
    {
        var cut = _hub.Content.Length / 3;
        _hub.CutNext(cut);

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.Equal(cut, result.ResumedFrom);
        Assert.Equal([null, $"bytes={cut}-"], _hub.FileRequests.Select(r => r.Range));
        Assert.Equal("\"cdn-v1\"", _hub.FileRequests.Last().IfRange);
        Assert.Equal(_hub.Content, await File.ReadAllBytesAsync(Target, TestContext.Current.CancellationToken));
        Assert.Equal(_hub.Content.Length, _hub.BodyBytesSent);
    }

    [Fact]
    public async Task Download_CutWithNoRetriesLeft_KeepsThePartialAndTheNextRunResumes()
    {
        var cut = _hub.Content.Length / 2;
        _hub.CutNext(cut);

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request() with { Retries = 0 }, null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.Network, failure.Failure);
        Assert.Contains("run the same command again to resume", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Target));
        Assert.Equal(cut, new FileInfo(Partial).Length);

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.Equal(cut, result.ResumedFrom);
        Assert.Equal(_hub.Sha256, result.Sha256);
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Download_CorruptedBytes_RefusedAndNothingKept()
    {
        _hub.CorruptBody = true;

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.ChecksumMismatch, failure.Failure);
        Assert.Contains(_hub.Sha256, failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Target));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Download_UserChecksumDiffers_RefusedEvenWhenTheServerAgreesWithItself()
    {
        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request() with { ExpectedSha256 = new string('0', 64) }, null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.ChecksumMismatch, failure.Failure);
        Assert.Contains("--sha256", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task Download_NoChecksumFromServer_FallsBackToTheKnownOne()
    {
        _hub.SendLinkedETag = false;

        var result = await _downloader.DownloadAsync(Request() with { KnownSha256 = _hub.Sha256.ToUpperInvariant() }, null, TestContext.Current.CancellationToken);

        Assert.Equal("pinned", result.VerifiedWith);
    }

    [Fact]
    public async Task Download_NoChecksumAnywhere_SucceedsUnverifiedWithTheHashReported()
    {
        _hub.SendLinkedETag = false;

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.Null(result.VerifiedWith);
        Assert.Equal(_hub.Sha256, result.Sha256);
    }

    [Fact]
    public async Task Download_ServerIgnoresRange_StartsOverInsteadOfSplicing()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        await File.WriteAllBytesAsync(Partial, new byte[1000], TestContext.Current.CancellationToken);
        _hub.IgnoreRange = true;

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ResumedFrom);
        Assert.Equal("bytes=1000-", _hub.FileRequests.Single().Range);
        Assert.Equal(_hub.Content, await File.ReadAllBytesAsync(Target, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Download_FileChangedSinceThePartial_IfRangeMakesTheServerSendItAll()
    {
        _hub.CutNext(5000);
        await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request() with { Retries = 0 }, null, TestContext.Current.CancellationToken));
        _hub.ETag = "\"cdn-v2\"";

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ResumedFrom);
        Assert.Equal("\"cdn-v1\"", _hub.FileRequests.Last().IfRange);
        Assert.Equal(_hub.Sha256, result.Sha256);
    }

    [Fact]
    public async Task Download_PartialAlreadyComplete_FinishesFromThe416WithoutResending()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        await File.WriteAllBytesAsync(Partial, _hub.Content, TestContext.Current.CancellationToken);

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.Equal(0, _hub.BodyBytesSent);
        Assert.Equal("x-linked-etag", result.VerifiedWith);
        Assert.True(File.Exists(Target));
    }

    [Fact]
    public async Task Download_UnknownFile_NotFoundWithoutLeavingFiles()
    {
        var request = new DownloadRequest(ModelReference.Parse(Repo, "missing.gguf").DownloadUrl(_hub.Endpoint), Path.Combine(_temp.Path, "missing.gguf"));

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(request, null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.NotFound, failure.Failure);
        Assert.Contains("case-sensitive", failure.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Download_Unauthorized_SaysTheRepositoryMayBeGated()
    {
        _hub.FixedStatus = 401;

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request() with { BearerToken = "hf_test" }, null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.Refused, failure.Failure);
        Assert.Contains("HF_TOKEN", failure.Message, StringComparison.Ordinal);
        Assert.Equal("Bearer hf_test", _hub.Requests.Single().Authorization);
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Download_BearerToken_NotForwardedAcrossTheRedirect()
    {
        _hub.RedirectHost = "localhost";

        await _downloader.DownloadAsync(Request() with { BearerToken = "hf_test" }, null, TestContext.Current.CancellationToken);

        Assert.Equal("Bearer hf_test", _hub.Requests.First().Authorization);
        Assert.Null(_hub.FileRequests.Single().Authorization);
    }

    [Fact]
    public async Task Download_NothingListening_NetworkErrorAndNoFiles()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var request = Request(new Uri($"http://127.0.0.1:{port}/")) with { Retries = 1, RetryDelay = TimeSpan.Zero };

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(request, null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.Network, failure.Failure);
        Assert.Contains("Cannot reach 127.0.0.1", failure.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Download_AnotherDownloadHoldsThePartial_RefusedAsBusy()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Partial)!);
        using var other = new FileStream(Partial, FileMode.Create, FileAccess.ReadWrite, FileShare.None);

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.Busy, failure.Failure);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task Download_ServerSendsHtmlForAGguf_RefusedAsNotGguf()
    {
        _hub.Content = "<html>login</html>"u8.ToArray();
        _hub.SendLinkedETag = false;

        var failure = await Assert.ThrowsAsync<DownloadException>(() => _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken));

        Assert.Equal(DownloadFailure.NotGguf, failure.Failure);
        Assert.False(File.Exists(Target));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task Download_TargetAlreadyThere_NoRequestMade()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
        await File.WriteAllBytesAsync(Target, [1, 2, 3], TestContext.Current.CancellationToken);

        var result = await _downloader.DownloadAsync(Request(), null, TestContext.Current.CancellationToken);

        Assert.True(result.AlreadyPresent);
        Assert.Empty(_hub.Requests);
    }

    public void Dispose()
    {
        _hub.Dispose();
        _http.Dispose();
        _temp.Dispose();
    }

    private DownloadRequest Request(Uri? endpoint = null) =>
        new(ModelReference.Parse(Repo, FileName).DownloadUrl(endpoint ?? _hub.Endpoint), Target) { RetryDelay = TimeSpan.Zero };

    /// <summary>A small real GGUF with 3 MB of random tensor data, so a cut lands mid-body and a flipped byte changes the hash.</summary>
    private static byte[] Content()
    {
        var data = new byte[768 * 1024 * 4];
        new Random(7).NextBytes(data);
        return TestGguf.Model("llama", []).AddTensor("blk.0.extra.weight", GgmlTypes.F32, [768 * 1024], data).ToBytes();
    }
}
