using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using LspCopilot.Server.Configuration;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot health</c>: asks a worker's <c>/health</c> and exits 0 only on 200, so a container HEALTHCHECK or a
/// service probe means "serving" and needs nothing but the published folder (no curl in the image).
/// </summary>
public static class HealthCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080/health";

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = $"The worker's health address (default {DefaultUrl}).", DefaultValueFactory = _ => DefaultUrl };
        var tokenFile = new Option<string?>("--token-file") { Description = $"File holding the worker's token, sent as a Bearer token (default: ${AccessToken.EnvironmentVariable})." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the answer (default 5).", DefaultValueFactory = _ => 5 };
        var command = new Command("health", "Ask a worker started with --http whether it is serving; exit 0 only when /health answers 200.") { url, tokenFile, timeout };
        command.SetAction(async (parse, ct) =>
        {
            var (code, message) = await CheckAsync(parse.GetValue(url) ?? DefaultUrl, parse.GetValue(tokenFile), TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(timeout))), ct).ConfigureAwait(false);
            await (code == 0 ? Console.Out : Console.Error).WriteLineAsync(message).ConfigureAwait(false);
            return code;
        });
        return command;
    }

    /// <summary>0 and the status line when healthy; 1 and why not otherwise (2 for bad arguments or token).</summary>
    public static async Task<(int ExitCode, string Message)> CheckAsync(string url, string? tokenFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (2, $"error: '{url}' is not an http:// address.");
        }

        if (!AccessToken.TryResolve(tokenFile, out var token, out var tokenError))
        {
            return (2, "error: " + tokenError);
        }

        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            var (status, detail) = Describe(body);
            return response.IsSuccessStatusCode
                ? (0, $"healthy: {status}{(detail is null ? string.Empty : " (" + detail + ")")}")
                : (1, $"unhealthy: HTTP {(int)response.StatusCode} from {uri}: {status}{(detail is null ? string.Empty : ": " + detail)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (1, $"unhealthy: {uri} did not answer within {timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            return (1, $"unhealthy: cannot reach {uri}: {ex.Message}");
        }
    }

    /// <summary>The worker answers {"status", "message"|"model"}; anything else is quoted (shortened).</summary>
    private static (string Status, string? Detail) Describe(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = json.RootElement;
                string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) ? m.GetString() : null;
                return (Text("status") ?? "error", Text("message") ?? error ?? Text("model"));
            }
        }
        catch (JsonException)
        {
        }

        var text = body.Trim();
        return ("unexpected answer", text.Length > 200 ? text[..200] + "…" : text);
    }
}
