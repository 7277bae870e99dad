using System.Buffers;
using System.Net.Http.Headers;
using System.Net;
using System.Security.Cryptography;

namespace LspCopilot.Engine.Models;

/// <summary>
/// Downloads one large file resumably: bytes go to <c>TARGET.partial</c> (locked against a second
/// downloader), an interrupted transfer continues with an HTTP Range request (guarded by If-Range),
/// the result is checked against a SHA-256 (--sha256, else the server's x-linked-etag or ETag when
/// it is one), and only a verified file is renamed onto the target. The target path therefore
/// holds a complete file or nothing.
/// </summary>
public sealed class ModelDownloader(HttpClient http)
{
    private const int MaxRedirects = 10;
    private const int BufferSize = 1 << 20;

    /// <summary>An HttpClient fit for this downloader: redirects followed by hand (to read the hub's headers on the way), no overall timeout.</summary>
    public static HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("lspcopilot", typeof(ModelDownloader).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return client;
    }

    public async Task<DownloadResult> DownloadAsync(DownloadRequest request, Action<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(request.TargetPath);
        if (File.Exists(target))
        {
            return new DownloadResult(target, new FileInfo(target).Length, null, null, AlreadyPresent: true, 0);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partialPath = target + ModelCache.PartialSuffix;
        var validatorPath = partialPath + ".etag";
        var transfer = new Transfer(request, OpenPartial(partialPath), validatorPath, progress);
        await using (transfer.File.ConfigureAwait(false))
        {
            try
            {
                await transfer.RunAsync(http, cancellationToken).ConfigureAwait(false);
            }
            catch when (transfer.File.SafeFileHandle.IsClosed || transfer.File.Length == 0)
            {
                // Nothing worth resuming: leave no empty file behind.
                transfer.Discard(partialPath, validatorPath);
                throw;
            }

            var (sha, verifiedWith) = transfer.Verify();
            CheckMagic(transfer, request, partialPath, validatorPath);
            await transfer.File.FlushAsync(cancellationToken).ConfigureAwait(false);
            transfer.File.Flush(flushToDisk: true);
            var bytes = transfer.File.Length;
            await transfer.File.DisposeAsync().ConfigureAwait(false);
            File.Move(partialPath, target, overwrite: true);
            File.Delete(validatorPath);
            return new DownloadResult(target, bytes, sha, verifiedWith, AlreadyPresent: false, transfer.ResumedFrom);
        }
    }

    private static FileStream OpenPartial(string partialPath)
    {
        try
        {
            // FileShare.None is an exclusive lock on every OS .NET runs on: a second pull of the same file fails here.
            return new FileStream(partialPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        }
        catch (IOException ex)
        {
            throw new DownloadException(DownloadFailure.Busy, $"'{partialPath}' is in use: another download of this file is running. Wait for it to finish, or stop it and run this command again.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DownloadException(DownloadFailure.Protocol, $"Cannot write '{partialPath}': {ex.Message}. Choose a writable cache with --cache-dir or {ModelCache.EnvironmentVariable}.", ex);
        }
    }

    private static void CheckMagic(Transfer transfer, DownloadRequest request, string partialPath, string validatorPath)
    {
        if (!request.TargetPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        Span<byte> magic = stackalloc byte[4];
        transfer.File.Position = 0;
        if (transfer.File.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("GGUF"u8))
        {
            return;
        }

        transfer.Discard(partialPath, validatorPath);
        throw new DownloadException(DownloadFailure.NotGguf, $"The server sent something that is not a GGUF file for {request.Url}; nothing was kept. Check the file name, or the mirror set by --endpoint/HF_ENDPOINT.");
    }

    /// <summary>One download's state across attempts: the partial file, its running hash, what the server said.</summary>
    private sealed class Transfer(DownloadRequest request, FileStream file, string validatorPath, Action<DownloadProgress>? progress)
    {
        private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _hashed;
        private string? _linkedSha;
        private string? _etagSha;
        private long? _total;

        public FileStream File { get; } = file;

        public long ResumedFrom { get; private set; }

        public async Task RunAsync(HttpClient http, CancellationToken ct)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await AttemptAsync(http, ct).ConfigureAwait(false);
                    return;
                }
                catch (TransientException ex)
                {
                    await File.FlushAsync(ct).ConfigureAwait(false);
                    if (attempt >= request.Retries)
                    {
                        var kept = File.Length > 0 ? $" {File.Length:N0} bytes are kept; run the same command again to resume." : string.Empty;
                        throw new DownloadException(DownloadFailure.Network, ex.Message + kept, ex.InnerException);
                    }

                    var delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, request.RetryDelay.Ticks << Math.Min(attempt, 16)));
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
            }
        }

        private async Task AttemptAsync(HttpClient http, CancellationToken ct)
        {
            var existing = File.Length;
            CatchUpHash(existing);
            var validator = existing > 0 && System.IO.File.Exists(validatorPath) ? System.IO.File.ReadAllText(validatorPath).Trim() : null;
            using var response = await SendAsync(http, existing, validator, ct).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    Restart();
                    _total = response.Content.Headers.ContentLength;
                    break;
                case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange is { From: long from } range:
                    if (from != existing)
                    {
                        Restart();
                        throw new TransientException($"The server resumed at byte {from:N0} instead of {existing:N0}; starting over.");
                    }

                    _total = range.Length;
                    ResumedFrom = existing;
                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    if (response.Content.Headers.ContentRange?.Length is long length && length == existing)
                    {
                        _total = length;
                        return;
                    }

                    Restart();
                    throw new TransientException("The partial download no longer matches the file on the server; starting over.");
                case HttpStatusCode.NotFound:
                    throw new DownloadException(DownloadFailure.NotFound, $"Not found (HTTP 404): {request.Url}. Check the repository and file names (they are case-sensitive) and the revision.");
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new DownloadException(DownloadFailure.Refused, $"Refused (HTTP {(int)response.StatusCode}): {request.Url}. The repository may be gated or private: accept its terms on the hub and set HF_TOKEN to an access token.");
                case HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                    throw new TransientException($"The server answered HTTP {(int)response.StatusCode} for {request.Url}.");
                default:
                    throw new DownloadException(DownloadFailure.Protocol, $"Unexpected answer HTTP {(int)response.StatusCode} for {request.Url}.");
            }

            if (response.Headers.ETag is { IsWeak: false } etag)
            {
                await System.IO.File.WriteAllTextAsync(validatorPath, etag.ToString(), ct).ConfigureAwait(false);
            }

            CheckDiskSpace();
            await CopyBodyAsync(response, ct).ConfigureAwait(false);
        }

        private async Task<HttpResponseMessage> SendAsync(HttpClient http, long from, string? validator, CancellationToken ct)
        {
            var url = request.Url;
            for (var hop = 0; hop <= MaxRedirects; hop++)
            {
                using var message = new HttpRequestMessage(HttpMethod.Get, url);
                if (from > 0)
                {
                    message.Headers.Range = new RangeHeaderValue(from, null);
                    if (validator is not null && EntityTagHeaderValue.TryParse(validator, out var tag))
                    {
                        message.Headers.IfRange = new RangeConditionHeaderValue(tag);
                    }
                }

                if (request.BearerToken is { Length: > 0 } token && url.Host == request.Url.Host)
                {
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                HttpResponseMessage response;
                try
                {
                    response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw new TransientException($"Cannot reach {url.Host}: {ex.Message}. Check the network, or point --endpoint/HF_ENDPOINT at a reachable mirror.", ex);
                }
                catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
                {
                    throw new TransientException($"Timed out connecting to {url.Host}. Check the network, or point --endpoint/HF_ENDPOINT at a reachable mirror.", ex);
                }

                // The hub names the file's SHA-256 on its redirect (x-linked-etag); the CDN's ETag may be one too.
                _linkedSha ??= ShaFrom(Header(response, "X-Linked-ETag"));
                _etagSha ??= ShaFrom(response.Headers.ETag?.Tag);
                if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
                {
                    url = new Uri(url, location);
                    response.Dispose();
                    continue;
                }

                return response;
            }

            throw new DownloadException(DownloadFailure.Protocol, $"More than {MaxRedirects} redirects for {request.Url}.");
        }

        private async Task CopyBodyAsync(HttpResponseMessage response, CancellationToken ct)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                File.Position = File.Length;
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    while (true)
                    {
                        stall.CancelAfter(request.StallTimeout);
                        int read;
                        try
                        {
                            read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), stall.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                        {
                            throw new TransientException($"No data for {request.StallTimeout.TotalSeconds:N0} s after {File.Length:N0} bytes.");
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException)
                        {
                            throw new TransientException($"The transfer was interrupted after {File.Length:N0} of {Describe(_total)} bytes ({ex.Message}).", ex);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        await File.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        _hash.AppendData(buffer, 0, read);
                        _hashed += read;
                        progress?.Invoke(new DownloadProgress(File.Length, _total, ResumedFrom));
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (_total is long total && File.Length != total)
            {
                throw new TransientException($"The transfer ended after {File.Length:N0} of {total:N0} bytes.");
            }
        }

        /// <summary>Returns the file's SHA-256 and the source of the expected value; throws (and deletes the file) on a mismatch.</summary>
        public (string Sha, string? VerifiedWith) Verify()
        {
            CatchUpHash(File.Length);
            var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            var (expected, source) = request.ExpectedSha256 is { } user ? (Normalize(user), "--sha256")
                : _linkedSha is not null ? (_linkedSha, "x-linked-etag")
                : _etagSha is not null ? (_etagSha, "etag")
                : request.KnownSha256 is { } known ? (Normalize(known), "pinned") : (null, null);
            if (expected is not null && expected != actual)
            {
                Discard(File.Name, validatorPath);
                throw new DownloadException(DownloadFailure.ChecksumMismatch, $"SHA-256 mismatch for {request.Url}: expected {expected} ({source}) but the download is {actual}. The corrupt file was removed; run the command again (and check --sha256 if you gave one).");
            }

            return (actual, source);
        }

        public void Discard(string partialPath, string validator)
        {
            if (!File.SafeFileHandle.IsClosed)
            {
                File.SetLength(0);
            }

            File.Dispose();
            System.IO.File.Delete(partialPath);
            System.IO.File.Delete(validator);
        }

        /// <summary>Hashes bytes already on disk (from an earlier run, or after a restart) so the hash always covers the whole file.</summary>
        private void CatchUpHash(long length)
        {
            if (_hashed == length)
            {
                return;
            }

            _hash.Dispose();
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            _hashed = 0;
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                File.Position = 0;
                int read;
                while (_hashed < length && (read = File.Read(buffer, 0, (int)Math.Min(BufferSize, length - _hashed))) > 0)
                {
                    _hash.AppendData(buffer, 0, read);
                    _hashed += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private void Restart()
        {
            File.SetLength(0);
            ResumedFrom = 0;
            CatchUpHash(0);
        }

        private void CheckDiskSpace()
        {
            if (_total is not long total)
            {
                return;
            }

            try
            {
                var free = new DriveInfo(Path.GetPathRoot(File.Name)!).AvailableFreeSpace;
                var needed = total - File.Length;
                if (needed > free)
                {
                    throw new DownloadException(DownloadFailure.DiskFull, $"Not enough disk space: {needed:N0} more bytes are needed but {free:N0} are free where '{File.Name}' is. Free some space or choose another --cache-dir.");
                }
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // Unknown free space (network drives): let the write fail if it must.
            }
        }

        private static string? Header(HttpResponseMessage response, string name) =>
            response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

        private static string? ShaFrom(string? etag)
        {
            var text = etag?.Trim();
            if (text is null)
            {
                return null;
            }

            if (text.StartsWith("W/", StringComparison.Ordinal))
            {
                return null;
            }

            text = text.Trim('"');
            return text.Length == 64 && text.All(Uri.IsHexDigit) ? text.ToLowerInvariant() : null;
        }

        private static string Normalize(string sha) => sha.Trim().ToLowerInvariant();

        private static string Describe(long? total) => total is long t ? t.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "?";
    }

    /// <summary>A failure worth retrying (network, 5xx): the partial file is kept.</summary>
    private sealed class TransientException(string message, Exception? inner = null) : Exception(message, inner);
}
