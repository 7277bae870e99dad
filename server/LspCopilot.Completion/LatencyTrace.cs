using System.Collections.Concurrent;
using System.Diagnostics;

namespace LspCopilot.Completion;

/// <summary>
/// When each stage of one completion request happened (<see cref="Stopwatch.GetTimestamp"/>: a monotonic clock
/// that a worker process on the same machine shares), and a few counts (tokens re-evaluated, the least that
/// changed), for <c>bench --suite keystroke</c>. Off in normal use: a trace exists only while
/// <see cref="Sink"/> is set, so the stages cost one null check each.
/// </summary>
public sealed class LatencyTrace
{
    private static readonly AsyncLocal<LatencyTrace?> s_current = new();

    private readonly ConcurrentDictionary<string, long> _marks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Receives each traced request's trace when it ends, with the request's key (its partial result token). Set only by benchmarks.</summary>
    public static Action<string, LatencyTrace>? Sink { get; set; }

    /// <summary>The trace of the request this async flow serves, or null (not traced).</summary>
    public static LatencyTrace? Current => s_current.Value;

    /// <summary>Starts a trace for the request this async flow serves when a sink listens; null otherwise.</summary>
    public static LatencyTrace? Begin(string? key, long startedAt)
    {
        if (Sink is null || key is null)
        {
            return null;
        }

        var trace = new LatencyTrace { Key = key };
        trace.Mark(Stages.Received, startedAt);
        s_current.Value = trace;
        return trace;
    }

    /// <summary>Marks a stage of the current request (the first time only), when it is traced.</summary>
    public static void MarkCurrent(string stage) => s_current.Value?.Mark(stage);

    public string Key { get; init; } = string.Empty;

    /// <summary>Copies another process's marks and counts in (the worker's engine stages of this request).</summary>
    public void Merge(IReadOnlyDictionary<string, long>? marks, IReadOnlyDictionary<string, int>? counts)
    {
        foreach (var (stage, at) in marks ?? new Dictionary<string, long>())
        {
            _marks.TryAdd(stage, at);
        }

        foreach (var (name, value) in counts ?? new Dictionary<string, int>())
        {
            _counts[name] = value;
        }
    }

    /// <summary>Stage name → when it first happened.</summary>
    public IReadOnlyDictionary<string, long> Marks => _marks;

    /// <summary>Count name → value (e.g. <see cref="Counts.Reprefill"/>).</summary>
    public IReadOnlyDictionary<string, int> CountValues => _counts;

    public void Mark(string stage, long? timestamp = null) => _marks.TryAdd(stage, timestamp ?? Stopwatch.GetTimestamp());

    public void Count(string name, int value) => _counts[name] = value;

    /// <summary>Milliseconds from stage <paramref name="from"/> to stage <paramref name="to"/>, or null when either is missing.</summary>
    public double? Between(string from, string to) =>
        _marks.TryGetValue(from, out var a) && _marks.TryGetValue(to, out var b) ? Stopwatch.GetElapsedTime(a, b).TotalMilliseconds : null;

    /// <summary>Hands the trace to the sink (once the request is answered).</summary>
    public void Complete() => Sink?.Invoke(Key, this);

    /// <summary>The stages, in the order a request passes them.</summary>
    public static class Stages
    {
        public const string Received = "received";
        public const string Snapshot = "snapshot";
        public const string Gated = "gated";
        public const string Planned = "planned";
        public const string Scheduled = "scheduled";
        public const string WorkerReceived = "worker_received";
        public const string EngineThread = "engine_thread";
        public const string PromptBuilt = "prompt_built";
        public const string ReusePlanned = "reuse_planned";
        public const string Prefilled = "prefilled";
        public const string FirstToken = "first_token";
        public const string FirstText = "first_text";
        public const string FirstTextFromWorker = "first_text_from_worker";
        public const string FirstClean = "first_clean";
        public const string PartialSent = "partial_sent";
    }

    /// <summary>The counts a trace carries.</summary>
    public static class Counts
    {
        /// <summary>Prompt tokens decoded for the request.</summary>
        public const string Reprefill = "reprefill_tokens";

        /// <summary>The least that had to be decoded: prompt tokens not in the previous prompt's common prefix or common suffix (at least the last).</summary>
        public const string MinimumChanged = "min_tokens";

        /// <summary>Prompt tokens in all.</summary>
        public const string Prompt = "prompt_tokens";
    }
}
