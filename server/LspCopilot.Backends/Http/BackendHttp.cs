using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LspCopilot.Backends.Http;

/// <summary>
/// The one HTTP client of an engine: pooled keep-alive connections (SocketsHttpHandler; $HTTPS_PROXY and $NO_PROXY
/// apply as for any .NET client, loopback is never proxied), a connect timeout, a
/// silence limit for the response headers, retries with backoff when no connection could be opened, the circuit
/// breaker in front of every call, the API key as a Bearer token, and every non-2xx answer turned into a
/// <see cref="BackendException"/> whose message names the server, the status, the server's own words and the fix.
/// </summary>
internal sealed class BackendHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly AuthenticationHeaderValue? _authorization;

    public BackendHttp(string endpoint, string? apiKey, BackendLimits limits, string serverName)
    {
        Endpoint = endpoint.TrimEnd('/');
        Limits = limits;
        Server = $"{serverName} at {Endpoint}";
        Breaker = new CircuitBreaker(limits.Cooldown, limits.MaxCooldown);
        _authorization = string.IsNullOrEmpty(apiKey) ? null : new AuthenticationHeaderValue("Bearer", apiKey);
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = limits.Connect,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Endpoint { get; }

    /// <summary>"llama-server at http://…", as messages name it.</summary>
    public string Server { get; }

    public BackendLimits Limits { get; }

    public CircuitBreaker Breaker { get; }

    /// <summary>The model named in a 404's message (set once known).</summary>
    public string? Model { get; set; }

    /// <summary>Grows with every read from the server (headers, bytes of a stream).</summary>
    public long Progress => Interlocked.Read(ref _progress);

    private long _progress;

    internal void Touch() => Interlocked.Increment(ref _progress);

    /// <summary>
    /// Sends a request and returns the response once its headers arrived with a 2xx status (the caller reads and
    /// disposes it). <paramref name="quick"/> calls (discovery, counting) get the discovery limit instead of the silence limit.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body, bool quick, CancellationToken cancellationToken)
    {
        using var pass = Breaker.Enter();
        var payload = body?.ToJsonString();
        var headersLimit = quick ? Limits.Discovery : Limits.Silence;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, Endpoint + path);
            request.Headers.Authorization = _authorization;
            request.Headers.Accept.ParseAdd(body is null ? "application/json" : "text/event-stream, application/x-ndjson, application/json");
            if (payload is not null)
            {
                request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
            }

            using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            headers.CancelAfter(headersLimit);
            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested && NoConnection(ex))
            {
                if (attempt < Limits.Retries.Count)
                {
                    await Task.Delay(Limits.Retries[attempt], cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var reason = $"Cannot reach the {Server}: {Describe(ex)}. Is it running? Check --endpoint.";
                pass.Dead(reason);
                throw new BackendException(reason, BackendFault.Unreachable, ex);
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // It took the connection, so it is not dead; one broken exchange does not open the breaker.
                throw new BackendException($"The {Server} broke the connection before answering: {Describe(ex)}.", BackendFault.Protocol, ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = headers.IsCancellationRequested
                    ? $"The {Server} did not answer within {headersLimit.TotalSeconds:0.#} s."
                    : $"The {Server} did not accept a connection within {Limits.Connect.TotalSeconds:0.#} s.";
                pass.Dead(reason);
                throw new BackendException(reason + (quick ? string.Empty : " If a cold model server needs longer to start answering, raise --stall-timeout."), BackendFault.Silent, ex);
            }

            Touch();
            if (response.IsSuccessStatusCode)
            {
                pass.Alive();
                return response;
            }

            using (response)
            {
                var failure = await FailureAsync(response, path, cancellationToken).ConfigureAwait(false);
                if (failure.MeansDead)
                {
                    pass.Dead(failure.Message);
                }
                else
                {
                    pass.Alive();
                }

                throw failure;
            }
        }
    }

    /// <summary>
    /// A GET or POST whose whole (small) answer is read as text, within the discovery limit — or, for work the server
    /// must do first (<paramref name="quick"/> false: a warm-up reading a prompt), within the silence limit.
    /// </summary>
    public async Task<string> ReadAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, bool quick = true)
    {
        var within = quick ? Limits.Discovery : Limits.Silence;
        using var response = await SendAsync(method, path, body, quick, cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(within);
        using var reader = new LineReader(await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false), Limits with { Silence = within }, Server, Touch);
        return await reader.ReadToEndAsync(limit.Token).ConfigureAwait(false);
    }

    private async Task<BackendException> FailureAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(Limits.Discovery);
            using var reader = new LineReader(await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false), Limits with { ResponseBytes = Limits.ErrorBytes, LineBytes = Limits.ErrorBytes }, Server, Touch);
            body = await reader.ReadToEndAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BackendException or OperationCanceledException or IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            body = string.Empty;
        }

        var status = (int)response.StatusCode;
        var (said, type) = ErrorBody.Read(body);
        var quoted = said.Length > 0 ? $"{status} {response.ReasonPhrase}: {said}" : $"{status} {response.ReasonPhrase}";
        var (fault, message) = status switch
        {
            401 or 403 => (BackendFault.Unauthorized, $"The {Server} refused the request ({quoted}). Give it the API key with --api-key-file or ${Completion.BackendOptions.ApiKeyVariable}."),
            404 when Model is not null && said.Contains("model", StringComparison.OrdinalIgnoreCase) =>
                (BackendFault.NotFound, $"The {Server} does not know the model '{Model}' ({quoted}). Use --remote-model with a name it lists."),
            404 => (BackendFault.NotFound, $"The {Server} has no {path} ({quoted}). Check --backend and --endpoint."),
            400 or 413 when ExceedsContext(said, type) => (BackendFault.ContextExceeded, $"The {Server} found the prompt longer than its context ({quoted})."),
            501 => (BackendFault.NotSupported, $"The {Server} does not support {path} ({quoted})."),
            503 when said.Contains("load", StringComparison.OrdinalIgnoreCase) =>
                (BackendFault.Loading, $"Model loading on server ({Server}); suggestions start once it has loaded."),
            >= 500 => (BackendFault.ServerError, $"The {Server} failed ({quoted})."),
            _ => (BackendFault.Rejected, $"The {Server} rejected the request ({quoted})."),
        };
        return new BackendException(message, fault) { Status = status };
    }

    private static bool ExceedsContext(string message, string? type) =>
        type is "exceed_context_size_error" ||
        message.Contains("context length", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("context size", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("context window", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("too many tokens", StringComparison.OrdinalIgnoreCase);

    /// <summary>The request never reached the server: retrying cannot run it twice.</summary>
    private static bool NoConnection(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError || ex.InnerException is SocketException;

    /// <summary>The root cause in a few words ("connection refused"), not .NET's "An error occurred while sending the request".</summary>
    private static string Describe(HttpRequestException ex)
    {
        Exception root = ex;
        while (root.InnerException is { } inner)
        {
            root = inner;
            if (root is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData => "unknown host",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.ConnectionReset => "connection reset",
                    _ => socket.Message.TrimEnd('.'),
                };
            }
        }

        return root.Message.TrimEnd('.');
    }

    public void Dispose() => _client.Dispose();
}
