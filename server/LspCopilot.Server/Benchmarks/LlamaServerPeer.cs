using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// Upstream llama.cpp's <c>llama-server</c> as the peer of a latency benchmark: started on loopback with the
/// same GGUF and threads, asked for the same text through <c>POST /infill</c> (streaming,
/// <c>cache_prompt</c>: the stack llama.vscode uses), timed to its first streamed text.
/// </summary>
internal sealed partial class LlamaServerPeer : IAsyncDisposable
{
    /// <summary>Where to find llama-server when <c>--llama-server</c> is not given.</summary>
    public const string EnvironmentVariable = "LSPCOPILOT_LLAMA_SERVER";

    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly System.Text.StringBuilder _log;

    private LlamaServerPeer(Process process, HttpClient http, System.Text.StringBuilder log)
    {
        _process = process;
        _http = http;
        _log = log;
    }

    /// <summary>The last lines llama-server wrote (for errors).</summary>
    private string LogTail()
    {
        lock (_log)
        {
            var text = _log.ToString();
            return text.Length > 2000 ? text[^2000..] : text;
        }
    }

    /// <summary>
    /// The llama-server binary: <paramref name="given"/>, <c>$LSPCOPILOT_LLAMA_SERVER</c>, or <c>shared/bin/llama-server</c>
    /// in this folder or a parent of it or of the program (the development layout); null when none exists.
    /// </summary>
    public static string? Find(string? given)
    {
        if (!string.IsNullOrEmpty(given))
        {
            return File.Exists(given) ? Path.GetFullPath(given) : null;
        }

        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return File.Exists(fromEnvironment) ? fromEnvironment : null;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "bin", "llama-server");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Starts llama-server on a free loopback port and waits until <c>/health</c> answers 200.</summary>
    public static async Task<LlamaServerPeer> StartAsync(string executable, string model, int threads, int contextSize, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-m", model, "--host", "127.0.0.1", "--port", "0", "-t", threads.ToString(CultureInfo.InvariantCulture), "-tb", threads.ToString(CultureInfo.InvariantCulture), "-c", contextSize.ToString(CultureInfo.InvariantCulture), "-np", "1" })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Text.StringBuilder();
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                port.TrySetException(new InvalidOperationException("llama-server exited: " + log));
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }

        process.ErrorDataReceived += OnLine;
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var peer = new LlamaServerPeer(process, http, log);
        try
        {
            http.BaseAddress = new Uri($"http://127.0.0.1:{await port.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false)}/");
            for (var i = 0; ; i++)
            {
                using var health = await http.GetAsync(new Uri("health", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (health.IsSuccessStatusCode)
                {
                    return peer;
                }

                if (i > 300)
                {
                    throw new InvalidOperationException("llama-server did not become healthy: " + log);
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await peer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Milliseconds from sending <c>/infill</c> to the first streamed non-empty text (greedy, <paramref name="maxTokens"/> at most).</summary>
    public async Task<double> InfillFirstTextAsync(string prefix, string suffix, int maxTokens, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object>
        {
            ["input_prefix"] = prefix,
            ["input_suffix"] = suffix,
            ["n_predict"] = maxTokens,
            ["stream"] = true,
            ["cache_prompt"] = true,
            ["temperature"] = 0,
            ["top_k"] = 1,
        };
        var sent = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("infill", UriKind.Relative)) { Content = JsonContent.Create(body) };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"llama-server failed ({ex.Message}{(_process.HasExited ? $"; it exited with code {_process.ExitCode}" : string.Empty)}). Its last lines:\n{LogTail()}", ex);
        }

        using var _ = response;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        double? first = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (first is null && line.StartsWith("data: ", StringComparison.Ordinal) && line.Length > 6 && line[6] == '{')
            {
                using var json = JsonDocument.Parse(line.AsMemory(6));
                if (json.RootElement.TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 })
                {
                    first = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                }
            }
        }

        // The whole answer is read (the slot is free for the next edit), but only the first text is timed.
        return first ?? double.NaN;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on http://[^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
