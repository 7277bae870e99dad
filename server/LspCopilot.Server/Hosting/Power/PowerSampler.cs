using System.Diagnostics;

namespace LspCopilot.Server.Hosting.Power;

/// <summary>One nvidia-smi reading and when it was taken (from the sampler's start).</summary>
public sealed record PowerSample(TimeSpan At, GpuPowerRead Gpus);

/// <summary>What a sampler saw over a window: its length, the GPU readings, and the CPU packages' energy (or why none).</summary>
public sealed record PowerWindow(TimeSpan Duration, IReadOnlyList<PowerSample> Samples, double? CpuJoules, string? CpuProblem);

/// <summary>
/// Samples the cards (nvidia-smi) and the CPU packages (RAPL) over a window: by hand with <see cref="SampleAsync"/>, or
/// every interval in the background between <see cref="Start"/> and <see cref="StopAsync"/>. The clock is injectable
/// so the figures of recorded readings can be checked exactly.
/// </summary>
public sealed class PowerSampler(NvidiaSmiPower smi, RaplEnergy rapl, Func<TimeSpan>? clock = null)
{
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly List<PowerSample> _samples = [];
    private readonly object _lock = new();
    private TimeSpan? _started;
    private RaplRead? _lastRapl;
    private double _cpuJoules;
    private string? _cpuProblem;
    private CancellationTokenSource? _loop;
    private Task? _running;

    private TimeSpan Now => clock?.Invoke() ?? _stopwatch.Elapsed;

    /// <summary>Takes one reading of the cards and the CPU packages now.</summary>
    public async Task<GpuPowerRead> SampleAsync(CancellationToken cancellationToken)
    {
        var at = Now;
        var gpus = await smi.ReadAsync(cancellationToken).ConfigureAwait(false);
        var cpu = rapl.Read();
        lock (_lock)
        {
            _started ??= at;
            _samples.Add(new PowerSample(at - _started.Value, gpus));
            if (cpu.Problem is not null)
            {
                _cpuProblem ??= cpu.Problem;
            }
            else
            {
                if (_lastRapl is not null)
                {
                    _cpuJoules += RaplEnergy.Joules(_lastRapl, cpu);
                }

                _lastRapl = cpu;
            }
        }

        return gpus;
    }

    /// <summary>Samples every <paramref name="interval"/> in the background until <see cref="StopAsync"/>.</summary>
    public void Start(TimeSpan interval)
    {
        _loop = new CancellationTokenSource();
        var token = _loop.Token;
        _running = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                do
                {
                    await SampleAsync(token).ConfigureAwait(false);
                }
                while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    /// <summary>Stops the background sampling (after one last reading) and returns the window.</summary>
    public async Task<PowerWindow> StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            await _loop.CancelAsync().ConfigureAwait(false);
            await _running!.ConfigureAwait(false);
            _loop.Dispose();
            _loop = null;
        }

        await SampleAsync(cancellationToken).ConfigureAwait(false);
        return Window();
    }

    /// <summary>The window so far.</summary>
    public PowerWindow Window()
    {
        lock (_lock)
        {
            var duration = _samples.Count == 0 ? TimeSpan.Zero : _samples[^1].At;
            var cpuMeasured = _cpuProblem is null && _samples.Count > 1;
            return new PowerWindow(duration, [.. _samples], cpuMeasured ? _cpuJoules : null, _cpuProblem);
        }
    }
}
