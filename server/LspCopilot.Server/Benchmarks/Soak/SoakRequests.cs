using System.Diagnostics;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Benchmarks.Soak;

/// <summary>What became of the soak's requests.</summary>
internal sealed record SoakTally(
    int Requests,
    int Results,
    int RequestCancelled,
    int ContentModified,
    int Unanswered,
    int OtherErrors,
    IReadOnlyList<(string Error, int Count)> OtherErrorMessages,
    Percentiles Latency)
{
    public int Answered => Results + RequestCancelled + ContentModified + OtherErrors;

    public int Cancelled => RequestCancelled + ContentModified;
}

/// <summary>Every inline request the soak sent, with when it was sent and the task of its answer.</summary>
internal sealed class SoakRequests
{
    private readonly List<(long Id, long Sent, Task<LspAnswer> Answer)> _sent = [];

    public int Count => _sent.Count;

    public void Add(long id, long sent, Task<LspAnswer> answer) => _sent.Add((id, sent, answer));

    /// <summary>Waits up to <paramref name="timeout"/> for the answers still missing; false if some never came.</summary>
    public async Task<bool> WaitForAllAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(_sent.Select(s => s.Answer)).WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (EndOfStreamException)
        {
            // The server went away: what it did not answer is counted as unanswered.
            return false;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> more for the requests still unanswered, and says what became
    /// of each: answered late (after how long, with what), or still nothing. Tells a slow request from a lost one.
    /// </summary>
    public async Task<IReadOnlyList<string>> FollowUnansweredAsync(TimeSpan timeout)
    {
        var missing = _sent.Where(s => !s.Answer.IsCompleted).ToList();
        if (missing.Count == 0)
        {
            return [];
        }

        try
        {
            await Task.WhenAll(missing.Select(s => s.Answer)).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or EndOfStreamException)
        {
        }

        return [.. missing.Take(10).Select(s => s.Answer.IsCompletedSuccessfully
            ? $"{s.Id}: answered after {Stopwatch.GetElapsedTime(s.Sent, s.Answer.Result.Timestamp).TotalSeconds:F1} s ({(s.Answer.Result.ErrorCode is { } code ? $"error {code}: {s.Answer.Result.ErrorMessage}" : "a result")})"
            : $"{s.Id}: no answer after {Stopwatch.GetElapsedTime(s.Sent).TotalSeconds:F0} s")];
    }

    /// <summary>Seconds from sending the last request (the one no keystroke superseded) to its answer; NaN while it has none.</summary>
    public double LastAnswerSeconds =>
        _sent.Count > 0 && _sent[^1].Answer.IsCompletedSuccessfully
            ? Stopwatch.GetElapsedTime(_sent[^1].Sent, _sent[^1].Answer.Result.Timestamp).TotalSeconds
            : double.NaN;

    /// <summary>Counts answers by kind; latency is that of the requests answered with a result (sent to answer read).</summary>
    public SoakTally Tally()
    {
        int results = 0, cancelled = 0, modified = 0, unanswered = 0;
        var others = new Dictionary<string, int>(StringComparer.Ordinal);
        var latency = new Percentiles();
        foreach (var (_, sent, task) in _sent)
        {
            if (!task.IsCompletedSuccessfully)
            {
                unanswered++;
                continue;
            }

            var answer = task.Result;
            switch (answer.ErrorCode)
            {
                case null:
                    results++;
                    latency.Record(Stopwatch.GetElapsedTime(sent, answer.Timestamp));
                    break;
                case LspErrorCodes.RequestCancelled:
                    cancelled++;
                    break;
                case LspErrorCodes.ContentModified:
                    modified++;
                    break;
                case { } code:
                    var key = $"{code}: {answer.ErrorMessage}";
                    others[key] = others.GetValueOrDefault(key) + 1;
                    break;
            }
        }

        var otherCount = others.Values.Sum();
        return new SoakTally(_sent.Count, results, cancelled, modified, unanswered, otherCount, [.. others.OrderByDescending(o => o.Value).Select(o => (o.Key, o.Value))], latency);
    }
}
