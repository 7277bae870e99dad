namespace LspCopilot.Server.Hosting.Power;

/// <summary>
/// The power measurement around a command's run: an idle baseline first (when asked for), then, from
/// <see cref="BeginRun"/>, readings every interval until <see cref="StopAsync"/> turns them into <see cref="PowerFigures"/>. Where the first reading finds no NVIDIA GPU
/// nothing more is sampled and the figures say why they are absent.
/// </summary>
public sealed class PowerMeter : IAsyncDisposable
{
    private readonly PowerSettings _settings;
    private readonly Func<PowerSampler> _newSampler;
    private PowerSampler? _run;
    private PowerWindow? _idle;
    private PowerWindow? _absent;

    private PowerMeter(PowerSettings settings, Func<PowerSampler> newSampler)
    {
        _settings = settings;
        _newSampler = newSampler;
    }

    public static Task<PowerMeter> StartAsync(PowerSettings settings, TextWriter progress, CancellationToken cancellationToken) =>
        StartAsync(settings, () => new PowerSampler(new NvidiaSmiPower(), new RaplEnergy()), progress, cancellationToken);

    public static async Task<PowerMeter> StartAsync(PowerSettings settings, Func<PowerSampler> newSampler, TextWriter progress, CancellationToken cancellationToken)
    {
        var meter = new PowerMeter(settings, newSampler);
        var first = newSampler();
        if ((await first.SampleAsync(cancellationToken).ConfigureAwait(false)).NoGpu)
        {
            meter._absent = first.Window();
            return meter;
        }

        if (settings.IdleBaseline > TimeSpan.Zero)
        {
            await progress.WriteLineAsync($"Measuring the idle power for {settings.IdleBaseline.TotalSeconds:0.#} s (nvidia-smi, RAPL)…").ConfigureAwait(false);
            first.Start(settings.Interval);
            await Task.Delay(settings.IdleBaseline, cancellationToken).ConfigureAwait(false);
            meter._idle = await first.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        return meter;
    }

    /// <summary>Starts sampling the run (after the baseline, and after whatever should not count, such as loading the model).</summary>
    public void BeginRun()
    {
        if (_absent is null && _run is null)
        {
            _run = _newSampler();
            _run.Start(_settings.Interval);
        }
    }

    /// <summary>Ends the run and returns its figures (<paramref name="tokens"/> and <paramref name="completions"/>: the work done in it).</summary>
    public async Task<PowerFigures> StopAsync(long tokens, long completions, CancellationToken cancellationToken)
    {
        if (_absent is not null)
        {
            return PowerFigures.From(_absent, null, _settings, tokens, completions);
        }

        BeginRun();
        var run = await _run!.StopAsync(cancellationToken).ConfigureAwait(false);
        _run = null;
        return PowerFigures.From(run, _idle, _settings, tokens, completions);
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
