using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LspCopilot.TestSupport;

namespace LspCopilot.Backends.Tests.RealServer;

/// <summary>
/// Upstream llama.cpp's llama-server on 127.0.0.1 with a shared tiny model, started once per test class: found through
/// <c>$LSPCOPILOT_LLAMA_SERVER</c> or a <c>shared/bin/llama-server</c> above the test binaries. Without it (or the
/// model) the tests skip with the reason.
/// </summary>
public sealed partial class LlamaServerProcess : IAsyncLifetime
{
    /// <summary>The slot's context: small, so long documents have to be cut to fit.</summary>
    public const int Context = 512;

    private readonly StringBuilder _log = new();
    private Process? _process;

    public string? Missing { get; private set; }

    public string Url { get; private set; } = string.Empty;

    public string ModelFile => TestModels.Fim;

    /// <summary>Skips the calling test when llama-server or the model is absent.</summary>
    public void Require() => Assert.SkipWhen(Missing is not null, Missing ?? string.Empty);

    public async ValueTask InitializeAsync()
    {
        var executable = Find();
        var models = TestModels.Folder;
        if (executable is null)
        {
            Missing = "llama-server not found: set LSPCOPILOT_LLAMA_SERVER or put the repository beside shared/bin.";
            return;
        }

        if (models is null || !File.Exists(Path.Combine(models, TestModels.Fim)))
        {
            Missing = $"Shared test model {TestModels.Fim} not found: set LSPCOPILOT_TEST_MODELS or put the repository beside shared/models.";
            return;
        }

        var info = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-m", Path.Combine(models, TestModels.Fim), "--host", "127.0.0.1", "--port", "0", "-t", "2", "-c", Context.ToString(CultureInfo.InvariantCulture), "-np", "1", "-b", "128" })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                port.TrySetException(new InvalidOperationException("llama-server exited: " + Log()));
                return;
            }

            lock (_log)
            {
                _log.AppendLine(e.Data);
            }

            if (Listening().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        Url = $"http://127.0.0.1:{await port.Task.WaitAsync(TimeSpan.FromSeconds(60))}";
        using var http = new HttpClient();
        for (var i = 0; ; i++)
        {
            try
            {
                using var health = await http.GetAsync(new Uri(Url + "/health"));
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (i > 300)
            {
                throw new InvalidOperationException("llama-server did not become healthy: " + Log());
            }

            await Task.Delay(100);
        }
    }

    public string Log()
    {
        lock (_log)
        {
            return _log.Length > 3000 ? _log.ToString()[^3000..] : _log.ToString();
        }
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("LSPCOPILOT_LLAMA_SERVER") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "bin", "llama-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on http://[^:]+:(\d+)")]
    private static partial Regex Listening();
}
