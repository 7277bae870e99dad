using System.Text.Json;
using LspCopilot.Server.Hosting.Power;
using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>Power and cost figures from recorded nvidia-smi output (a stand-in on the PATH or named) and a fake RAPL.</summary>
public sealed class PowerTests
{
    private TimeSpan _now;

    [Fact]
    public async Task Figures_TwoCardsAndCpu_AveragePeakJoulesPerTokenAndMonthlyCost()
    {
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"), StandInNvidiaSmi.TwoCards("200.00 W", "50.00 W"), StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"));
        using var rapl = new FakeRapl();
        var run = await SampleAsync(smi, rapl, [0, 10_000_000, 20_000_000]);

        var f = PowerFigures.From(run, idle: null, new PowerSettings { BaseWatts = 30, PricePerKwh = 0.30, HoursPerDay = 8 }, tokens: 48, completions: 4);

        Assert.Null(f.Absent);
        Assert.Equal(2, f.Seconds);
        var card0 = f.Cards[0];
        Assert.Equal((150.0, 200.0, 300.0), (card0.AverageWatts!.Value, card0.PeakWatts!.Value, card0.Joules));
        Assert.Equal("NVIDIA GeForce RTX 4060 Ti", card0.Name);
        Assert.Equal((50.0, 100.0), (f.Cards[1].AverageWatts!.Value, f.Cards[1].Joules));
        Assert.Equal(10.0, f.CpuAverageWatts);
        // 300 + 100 J (cards) + 20 J (CPU package) + 30 W × 2 s (the rest of the box).
        Assert.Equal(480.0, f.Joules, 6);
        Assert.Equal(10.0, f.JoulesPerToken!.Value, 6);
        Assert.Equal(120.0, f.JoulesPerCompletion!.Value, 6);
        Assert.Equal(240.0, f.LoadWatts, 6);
        Assert.Equal(240 * 8 * PowerSettings.DaysPerMonth / 1000, f.MonthlyKwh!.Value, 6);
        Assert.Equal(f.MonthlyKwh.Value * 0.30, f.MonthlyCost!.Value, 6);
        Assert.Equal("GPU boards 0, 1 (nvidia-smi power.draw) + CPU package (RAPL) + rest of the box (--base-watts 30)", f.Covers);
        // Without a baseline the idle hours are missing, and the figures say so.
        Assert.Contains(f.NotCovered, n => n.Contains("16 idle hours", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Figures_WithIdleBaseline_CountIdleHoursAndEnergyAboveIdle()
    {
        using var idleSmi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("20.00 W", "10.00 W"));
        using var idleRapl = new FakeRapl();
        var idle = await SampleAsync(idleSmi, idleRapl, [0, 5_000_000, 10_000_000]);
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"));
        using var rapl = new FakeRapl();
        var run = await SampleAsync(smi, rapl, [0, 10_000_000, 20_000_000]);

        var f = PowerFigures.From(run, idle, new PowerSettings { BaseWatts = 30, HoursPerDay = 8 }, tokens: 10, completions: 1);

        Assert.Equal(20.0, f.Cards[0].IdleWatts);
        Assert.Equal(5.0, f.CpuIdleWatts);
        Assert.Equal(65.0, f.IdleWatts!.Value, 6);
        // Run: 100 + 50 W (cards) + 10 W (CPU) + 30 W (rest) = 190 W; 380 J over 2 s.
        Assert.Equal(190.0, f.LoadWatts, 6);
        Assert.Equal(((190.0 * 8) + (65.0 * 16)) * PowerSettings.DaysPerMonth / 1000, f.MonthlyKwh!.Value, 6);
        Assert.Equal((380.0 - (65 * 2)) / 10, f.JoulesAboveIdlePerToken!.Value, 6);
        Assert.Null(f.MonthlyCost);
        Assert.DoesNotContain(f.NotCovered, n => n.Contains("idle hours", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Figures_CardDisappearsMidRun_CountsItMissingAndKeepsTheOtherCard()
    {
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"), StandInNvidiaSmi.TwoCards("100.00 W", "70.00 W"), StandInNvidiaSmi.CardZeroOnly("100.00 W"), StandInNvidiaSmi.CardZeroOnly("100.00 W"));
        using var rapl = new FakeRapl();
        var run = await SampleAsync(smi, rapl, [0, 1, 2, 3]);

        var f = PowerFigures.From(run, null, new PowerSettings(), tokens: 0, completions: 0);

        Assert.Equal((4, 0, 300.0), (f.Cards[0].Readings, f.Cards[0].Missing, f.Cards[0].Joules));
        var lost = f.Cards[1];
        Assert.Equal((2, 2), (lost.Readings, lost.Missing));
        // Only the interval it was seen at both ends counts: (50 + 70) / 2 W × 1 s.
        Assert.Equal(60.0, lost.Joules, 6);
        Assert.Equal(70.0, lost.PeakWatts);
        Assert.Contains("missing from 2 of 4 readings (the card disappeared?)", PowerOutput.ToText(f, "Power"), StringComparison.Ordinal);
        Assert.Null(f.JoulesPerToken);
    }

    [Fact]
    public async Task Figures_GarbageReading_IsSkippedCountedAndQuoted()
    {
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"), "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n\u0001\u00ff garbage", StandInNvidiaSmi.TwoCards("[N/A]", "50.00 W"), StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"));
        using var rapl = new FakeRapl();
        var run = await SampleAsync(smi, rapl, [0, 1, 2, 3]);

        var f = PowerFigures.From(run, null, new PowerSettings(), tokens: 0, completions: 0);

        Assert.Equal(1, f.UnreadableReadings);
        Assert.Contains("not the CSV asked for: 'NVIDIA-SMI has failed", f.FirstUnreadable, StringComparison.Ordinal);
        // Card 0's [N/A] power is no reading: no interval around it counts, and its average is that of what was read.
        Assert.Equal(100.0, f.Cards[0].AverageWatts);
        Assert.Equal(0.0, f.Cards[0].Joules);
        Assert.Equal(3, f.Cards[0].Readings);
        Assert.Contains("1 nvidia-smi reading(s) skipped", PowerOutput.ToText(f, "Power"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Figures_OnlyGarbage_AreAbsentSayingWhy()
    {
        using var smi = new StandInNvidiaSmi("Failed to initialize NVML: Driver/library version mismatch\n");
        using var rapl = new FakeRapl();
        var run = await SampleAsync(smi, rapl, [0, 1]);

        var f = PowerFigures.From(run, null, new PowerSettings(), tokens: 5, completions: 1);

        Assert.Empty(f.Cards);
        Assert.Contains("nvidia-smi gave no usable reading in 2 tries", f.Absent, StringComparison.Ordinal);
        Assert.Contains("Driver/library version mismatch", f.Absent, StringComparison.Ordinal);
        Assert.Null(f.JoulesPerToken);
    }

    [Fact]
    public async Task Meter_NoNvidiaSmi_FiguresAbsentSayingWhyWithoutWaitingForABaseline()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder", "nvidia-smi");
        await using var meter = await PowerMeter.StartAsync(new PowerSettings { IdleBaseline = TimeSpan.FromHours(1) }, () => new PowerSampler(new NvidiaSmiPower(missing), new RaplEnergy()), TextWriter.Null, TestContext.Current.CancellationToken);
        meter.BeginRun();

        var f = await meter.StopAsync(10, 1, TestContext.Current.CancellationToken);

        Assert.Equal("no NVIDIA GPU visible (nvidia-smi not found): power figures need an NVIDIA GPU and nvidia-smi", f.Absent);
        Assert.Contains("not measured: no NVIDIA GPU visible (nvidia-smi not found)", PowerOutput.ToText(f, "Power"), StringComparison.Ordinal);
        var report = new Server.Benchmarks.BenchReport();
        PowerOutput.AddTo(report, f);
        Assert.DoesNotContain(report.Metrics.Keys, k => k.Contains("power", StringComparison.Ordinal) || k.Contains("joules", StringComparison.Ordinal));
        Assert.StartsWith("not measured", report.Facts["power"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Meter_IdleBaselineThenRun_GivesIdleAndRunFiguresPerCard()
    {
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("150.00 W", "80.00 W"));
        using var rapl = new FakeRapl();
        var settings = new PowerSettings { IdleBaseline = TimeSpan.FromMilliseconds(300), Interval = TimeSpan.FromMilliseconds(100), BaseWatts = 20 };
        var progress = new StringWriter();
        await using var meter = await PowerMeter.StartAsync(settings, () => new PowerSampler(new NvidiaSmiPower(smi.Executable), new RaplEnergy(rapl.Root)), progress, TestContext.Current.CancellationToken);
        var afterBaseline = smi.Calls;
        meter.BeginRun();
        await Task.Delay(300, TestContext.Current.CancellationToken);

        var f = await meter.StopAsync(tokens: 100, completions: 5, TestContext.Current.CancellationToken);

        Assert.Contains("Measuring the idle power", progress.ToString(), StringComparison.Ordinal);
        Assert.True(afterBaseline >= 2, $"the baseline took {afterBaseline} readings");
        Assert.True(smi.Calls > afterBaseline, "the run took no readings of its own");
        Assert.Equal([150.0, 80.0], f.Cards.Select(c => Math.Round(c.AverageWatts!.Value, 6)));
        Assert.Equal([150.0, 80.0], f.Cards.Select(c => Math.Round(c.IdleWatts!.Value, 6)));
        Assert.Equal(250.0, f.LoadWatts, 6);
        Assert.True(f.JoulesPerToken > 0 && f.JoulesPerCompletion > 0);
        Assert.Equal(0.0, f.JoulesAboveIdle!.Value, 6);
    }

    [Fact]
    public async Task Rapl_Absent_CpuNotCoveredSayingWhy()
    {
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("100.00 W", "50.00 W"));
        var sampler = new PowerSampler(new NvidiaSmiPower(smi.Executable), new RaplEnergy(Path.Combine(Path.GetTempPath(), "no-powercap-here")), Clock);
        await SampleTimesAsync(sampler, 2);

        var f = PowerFigures.From(sampler.Window(), null, new PowerSettings(), 0, 0);

        Assert.Null(f.CpuAverageWatts);
        Assert.Contains(f.NotCovered, n => n.StartsWith("CPU package: no RAPL counters", StringComparison.Ordinal));
        Assert.DoesNotContain("CPU package", f.Covers, StringComparison.Ordinal);
        Assert.Contains(f.NotCovered, n => n.Contains("--base-watts", StringComparison.Ordinal));
    }

    [Fact]
    public void Rapl_CounterWraps_CountsThroughItsRange()
    {
        var before = new RaplRead([("package-0", 999_000_000, 1_000_000_000)], null);
        var after = new RaplRead([("package-0", 1_000_000, 1_000_000_000)], null);
        Assert.Equal(2.0, RaplEnergy.Joules(before, after), 6);
    }

    [Fact]
    public void NvidiaSmiParse_ColumnsByHeaderAndUnitsStripped()
    {
        var read = NvidiaSmiPower.Parse("index, name, power.draw [W], memory.used [MiB], utilization.gpu [%]\n0, Tesla T4, 27.94 W, 5 MiB, 0 %\n1, Tesla T4, [N/A], [N/A], [N/A]\n");
        Assert.Null(read.Problem);
        Assert.Equal(new GpuReading(0, "Tesla T4", 27.94, 5, 0), read.Cards[0]);
        Assert.Equal(new GpuReading(1, "Tesla T4", null, null, null), read.Cards[1]);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Doctor_StandInNvidiaSmiOnThePath_ReportsIdlePowerPerCardLabelled()
    {
        using var smi = new StandInNvidiaSmi(StandInNvidiaSmi.TwoCards("21.50 W", "9.75 W"));
        using var home = new TempFolder();
        var path = new Dictionary<string, string?> { ["PATH"] = smi.Folder + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH") };
        var result = await ChildProcess.RunAsync(Path.Combine(RepoFiles.ServerBuildFolder, "lspcopilot"), ["doctor", "--json", "--base-watts", "40", "--price-per-kwh", "0.30", "--hours-per-day", "24"], home.Path, path);

        Assert.True(result.ExitCode == 0, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        var power = json.RootElement.GetProperty("power");
        Assert.Equal(JsonValueKind.Null, power.GetProperty("absent").ValueKind);
        var gpus = power.GetProperty("gpus");
        Assert.Equal(2, gpus.GetArrayLength());
        Assert.Equal(21.5, gpus[0].GetProperty("average_w").GetDouble());
        Assert.Equal(9.75, gpus[1].GetProperty("peak_w").GetDouble());
        Assert.StartsWith("GPU boards 0, 1 (nvidia-smi power.draw)", power.GetProperty("covers").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("rest of the box (--base-watts 40)", power.GetProperty("covers").GetString(), StringComparison.Ordinal);
        Assert.True(power.GetProperty("monthly_cost").GetDouble() > 0);
        Assert.True(smi.Calls >= 2, "doctor should read the cards at its start and its end.");
        // The same stand-in serves doctor's GPU listing.
        Assert.Equal(2, json.RootElement.GetProperty("gpus").GetArrayLength());
    }

    [Fact]
    public async Task Doctor_WithoutNvidiaSmi_SaysWhyPowerIsAbsent()
    {
        using var home = new TempFolder();
        // A PATH with the system's tools but no nvidia-smi.
        var result = await ChildProcess.RunAsync(Path.Combine(RepoFiles.ServerBuildFolder, "lspcopilot"), ["doctor"], home.Path, new Dictionary<string, string?> { ["PATH"] = Path.GetDirectoryName(Environment.ProcessPath) + ":/usr/bin:/bin" });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Power (idle: sampled while doctor ran)\n  not measured: no NVIDIA GPU visible (nvidia-smi not found)", result.Stdout, StringComparison.Ordinal);
    }

    private TimeSpan Clock() => _now;

    /// <summary>Takes one reading per RAPL value, one second apart on the sampler's clock.</summary>
    private async Task<PowerWindow> SampleAsync(StandInNvidiaSmi smi, FakeRapl rapl, long[] raplMicroJoules)
    {
        _now = TimeSpan.Zero;
        var sampler = new PowerSampler(new NvidiaSmiPower(smi.Executable), new RaplEnergy(rapl.Root), Clock);
        foreach (var energy in raplMicroJoules)
        {
            rapl.Set(energy);
            await sampler.SampleAsync(TestContext.Current.CancellationToken);
            _now += TimeSpan.FromSeconds(1);
        }

        return sampler.Window();
    }

    private async Task SampleTimesAsync(PowerSampler sampler, int times)
    {
        _now = TimeSpan.Zero;
        for (var i = 0; i < times; i++)
        {
            await sampler.SampleAsync(TestContext.Current.CancellationToken);
            _now += TimeSpan.FromSeconds(1);
        }
    }
}
