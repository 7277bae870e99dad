using System.Diagnostics;
using System.Globalization;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Context;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Benchmarks;

/// <summary>
/// The context suite: generates a workspace (200 files, one of 5,000 lines), loads it, then replays
/// typing in the big file — each keystroke is one incremental document change followed by the
/// provider's full plan (syntax gate, Roslyn context sections, stopper) — and reports per-keystroke
/// percentiles after a warm-up, the load time, and the text-only gate on the same keystrokes as the
/// baseline.
/// </summary>
public static class ContextBenchmark
{
    /// <summary>What gets typed at each place, one character per keystroke.</summary>
    private const string Typed = "var extra = _e7.Compute(count, _e12.Price) + _e3.Reserved;";

    public static async Task<IReadOnlyDictionary<string, double>> RunAsync(ContextBenchmarkOptions options, ServerLog log, CancellationToken cancellationToken)
    {
        var folder = options.Folder ?? Path.Combine(Path.GetTempPath(), "lspcopilot-bench-context-" + Guid.NewGuid().ToString("N")[..8]);
        var ownsFolder = options.Folder is null;
        try
        {
            var bigPath = BenchmarkWorkspace.Write(folder, options.Files, options.BigFileLines);
            return await MeasureAsync(folder, bigPath, options, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (ownsFolder)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>The metrics as an aligned two-column table.</summary>
    public static string FormatTable(IReadOnlyDictionary<string, double> metrics)
    {
        var width = metrics.Keys.Max(k => k.Length);
        var sb = new StringBuilder();
        foreach (var (key, value) in metrics)
        {
            sb.Append(key.PadRight(width + 2)).AppendLine(value.ToString(value == Math.Floor(value) ? "F0" : "F2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static async Task<IReadOnlyDictionary<string, double>> MeasureAsync(string folder, string bigPath, ContextBenchmarkOptions options, ServerLog log, CancellationToken cancellationToken)
    {
        var tokenizer = options.Tokenizer ?? TokenEstimate.Instance;
        var uri = new Uri(bigPath).AbsoluteUri;
        var text = SourceText.From(await File.ReadAllTextAsync(bigPath, cancellationToken).ConfigureAwait(false));
        var places = TypingPlaces(text.ToString());

        var clock = Stopwatch.StartNew();
        using var provider = new RoslynContextProvider([folder], new AnalysisOptions(), tokenizer, log);
        var version = 1;
        var document = new DocumentSnapshot(uri, "csharp", version, text);
        provider.OnDocumentChanged(uri, document);
        await provider.WaitForWorkspaceAsync(uri, cancellationToken).ConfigureAwait(false);
        var scanned = provider.LoadStats(uri);
        await provider.PlanAsync(document, places[0], cancellationToken).ConfigureAwait(false);
        var loadMs = clock.Elapsed.TotalMilliseconds;

        var gate = new TextCompletionGate();
        var process = Process.GetCurrentProcess();
        var reuseBefore = provider.ModelReuse;
        var cpuMs = new List<double>();
        var contextMs = new List<double>();
        var gateMs = new List<double>();
        var tokens = new List<double>();
        var total = options.WarmUpKeystrokes + options.Keystrokes;
        var keystroke = 0;
        for (var place = 0; keystroke < total; place = (place + 1) % places.Count)
        {
            // Each place: a new line in a method body, then the statement typed one character at a time.
            var offset = places[place];
            var indent = "        ";
            text = text.WithChanges(new TextChange(new TextSpan(offset, 0), indent + "\n"));
            offset += indent.Length;
            for (var c = 0; c <= Typed.Length && keystroke < total; c++, keystroke++)
            {
                if (c > 0)
                {
                    text = text.WithChanges(new TextChange(new TextSpan(offset, 0), Typed[c - 1].ToString()));
                    offset++;
                }

                document = new DocumentSnapshot(uri, "csharp", ++version, text);
                process.Refresh();
                var cpuStarted = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                provider.OnDocumentChanged(uri, document);
                var plan = await provider.PlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                process.Refresh();
                var cpu = (process.TotalProcessorTime - cpuStarted).TotalMilliseconds;

                var gateStarted = Stopwatch.GetTimestamp();
                await gate.PlanAsync(document, offset, cancellationToken).ConfigureAwait(false);
                var gateElapsed = Stopwatch.GetElapsedTime(gateStarted).TotalMilliseconds;

                if (keystroke >= options.WarmUpKeystrokes)
                {
                    contextMs.Add(elapsed);
                    cpuMs.Add(cpu);
                    gateMs.Add(gateElapsed);
                    tokens.Add(plan?.Context is { } context ? (await tokenizer.CountTokensAsync([context], cancellationToken).ConfigureAwait(false))[0] : 0);
                }
            }

            // Later places move by what was typed here.
            for (var p = 0; p < places.Count; p++)
            {
                if (places[p] > places[place])
                {
                    places[p] += indent.Length + 1 + Typed.Length;
                }
            }
        }

        // The compile check of one candidate at the end of the last statement typed (forks the big file).
        var checkMs = new List<double>();
        var checkAt = document.Text.ToString().LastIndexOf(Typed, StringComparison.Ordinal);
        for (var i = 0; i < 5 && checkAt >= 0; i++)
        {
            var checkStarted = Stopwatch.GetTimestamp();
            await provider.RankAsync(document, checkAt + Typed.Length, ["\n        extra += 1;"], cancellationToken).ConfigureAwait(false);
            checkMs.Add(Stopwatch.GetElapsedTime(checkStarted).TotalMilliseconds);
        }

        return new Dictionary<string, double>
        {
            ["context_ms_p50"] = Percentile(contextMs, 50),
            ["context_ms_p90"] = Percentile(contextMs, 90),
            ["context_ms_p99"] = Percentile(contextMs, 99),
            ["context_ms_max"] = contextMs.Count == 0 ? 0 : contextMs.Max(),
            ["context_cpu_ms_p50"] = Percentile(cpuMs, 50),
            ["context_cpu_ms_p99"] = Percentile(cpuMs, 99),
            ["model_reuse_percent"] = Math.Round(100.0 * (provider.ModelReuse.Reused - reuseBefore.Reused) / Math.Max(1, provider.ModelReuse.Reused + provider.ModelReuse.Rebuilt - reuseBefore.Reused - reuseBefore.Rebuilt), 1),
            ["text_gate_ms_p50"] = Percentile(gateMs, 50),
            ["compile_check_ms_p50"] = Percentile(checkMs, 50),
            ["context_tokens_p50"] = Percentile(tokens, 50),
            ["workspace_load_ms"] = Math.Round(loadMs, 1),
            ["workspace_scan_ms"] = Math.Round(scanned?.Elapsed.TotalMilliseconds ?? 0, 1),
            ["files"] = scanned?.Files ?? 0,
            ["big_file_lines"] = options.BigFileLines,
            ["keystrokes"] = contextMs.Count,
        };
    }

    /// <summary>Offsets of line starts inside method bodies, spread over the big file (start, middle, end…).</summary>
    private static List<int> TypingPlaces(string text)
    {
        const string Anchor = "        return total + name.Length;";
        var all = new List<int>();
        for (var i = text.IndexOf(Anchor, StringComparison.Ordinal); i >= 0; i = text.IndexOf(Anchor, i + 1, StringComparison.Ordinal))
        {
            all.Add(i);
        }

        if (all.Count == 0)
        {
            throw new InvalidOperationException("The generated big file has no method to type in.");
        }

        int[] fractions = [50, 10, 90, 30, 70, 5, 95, 40];
        return [.. fractions.Select(f => all[Math.Min(all.Count - 1, all.Count * f / 100)]).Distinct()];
    }

    private static double Percentile(List<double> values, int percentile)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
        return Math.Round(sorted[Math.Clamp(index, 0, sorted.Count - 1)], 2);
    }
}
