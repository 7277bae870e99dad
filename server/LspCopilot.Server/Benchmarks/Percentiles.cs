using HdrHistogram;

namespace LspCopilot.Server.Benchmarks;

/// <summary>Latencies recorded in microseconds (HdrHistogram), read back in milliseconds.</summary>
public sealed class Percentiles
{
    private readonly LongHistogram _histogram = new(TimeSpan.FromMinutes(5).Ticks / 10, 3);

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan elapsed) => _histogram.RecordValue(Math.Max(1, (long)(elapsed.TotalMilliseconds * 1000)));

    public double Ms(double percentile) => Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / 1000.0;

    public double P50 => Ms(50);

    public double P99 => Ms(99);
}
