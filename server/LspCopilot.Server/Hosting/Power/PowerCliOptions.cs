using System.CommandLine;

namespace LspCopilot.Server.Hosting.Power;

/// <summary>The power and cost options of <c>bench</c> and <c>doctor</c>.</summary>
public sealed class PowerCliOptions
{
    public Option<double?> BaseWatts { get; } = new("--base-watts") { Description = "Watts of the rest of the box that neither nvidia-smi nor RAPL measures (mainboard, drives, fans, power supply losses), added to the power figures.", HelpName = "W" };

    public Option<double?> PricePerKwh { get; } = new("--price-per-kwh") { Description = "Electricity price per kWh, for the monthly cost.", HelpName = "P" };

    public Option<double?> HoursPerDay { get; } = new("--hours-per-day") { Description = "Hours a day the box works at the measured load (idle the rest), for the monthly energy and cost.", HelpName = "H" };

    public Option<double?> IdleSeconds { get; } = new("--idle-seconds") { Description = "Length of the idle power baseline taken before the run (default 5; 0 for none).", HelpName = "SECONDS" };

    public void AddTo(Command command)
    {
        BaseWatts.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is < 0) { r.AddError("--base-watts must be 0 or more."); } });
        PricePerKwh.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is < 0) { r.AddError("--price-per-kwh must be 0 or more."); } });
        HoursPerDay.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is < 0 or > 24) { r.AddError("--hours-per-day must be between 0 and 24."); } });
        IdleSeconds.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is < 0) { r.AddError("--idle-seconds must be 0 or more."); } });
        command.Options.Add(BaseWatts);
        command.Options.Add(PricePerKwh);
        command.Options.Add(HoursPerDay);
        command.Options.Add(IdleSeconds);
    }

    public PowerSettings Read(ParseResult parse, TimeSpan defaultIdle) => new()
    {
        BaseWatts = parse.GetValue(BaseWatts),
        PricePerKwh = parse.GetValue(PricePerKwh),
        HoursPerDay = parse.GetValue(HoursPerDay),
        IdleBaseline = parse.GetValue(IdleSeconds) is double s ? TimeSpan.FromSeconds(s) : defaultIdle,
    };
}
