using System.Globalization;

namespace LspCopilot.Server.Hosting.Power;

/// <summary>The CPU packages' energy counters at one moment (microjoules), or why they cannot be read.</summary>
public sealed record RaplRead(IReadOnlyList<(string Package, long MicroJoules, long RangeMicroJoules)> Packages, string? Problem);

/// <summary>
/// The CPU package energy counters of Linux's powercap (RAPL): <c>/sys/class/powercap/intel-rapl:N/energy_uj</c> for
/// each package (AMD's show there too). Since Linux 5.10 they are readable by root only; a machine or container without
/// them, or without the right, gets a problem that says which.
/// </summary>
public sealed class RaplEnergy(string root = "/sys/class/powercap")
{
    public RaplRead Read()
    {
        if (!Directory.Exists(root))
        {
            return new RaplRead([], $"no RAPL counters ({root} absent: not Linux, or a VM or container without powercap)");
        }

        var packages = new List<(string, long, long)>();
        var domains = Directory.GetDirectories(root, "intel-rapl:*").Where(d => Path.GetFileName(d).Count(c => c == ':') == 1).Order(StringComparer.Ordinal).ToList();
        if (domains.Count == 0)
        {
            return new RaplRead([], $"no RAPL counters under {root} (the CPU or kernel offers none)");
        }

        foreach (var domain in domains)
        {
            var energy = Path.Combine(domain, "energy_uj");
            try
            {
                var name = File.Exists(Path.Combine(domain, "name")) ? File.ReadAllText(Path.Combine(domain, "name")).Trim() : Path.GetFileName(domain);
                if (!name.StartsWith("package", StringComparison.Ordinal))
                {
                    continue;
                }

                var microJoules = long.Parse(File.ReadAllText(energy).Trim(), CultureInfo.InvariantCulture);
                var range = File.Exists(Path.Combine(domain, "max_energy_range_uj")) ? long.Parse(File.ReadAllText(Path.Combine(domain, "max_energy_range_uj")).Trim(), CultureInfo.InvariantCulture) : 0;
                packages.Add((name, microJoules, range));
            }
            catch (UnauthorizedAccessException)
            {
                return new RaplRead([], $"RAPL unreadable: {energy} is readable by root only (since Linux 5.10); run as root or grant read access to measure the CPU package");
            }
            catch (Exception ex) when (ex is IOException or FormatException or OverflowException)
            {
                return new RaplRead([], $"RAPL unreadable: {energy}: {ex.Message}");
            }
        }

        return packages.Count == 0 ? new RaplRead([], $"no CPU package among the RAPL domains under {root}") : new RaplRead(packages, null);
    }

    /// <summary>Joules between two reads of the same packages, a counter that wrapped counted through its range.</summary>
    public static double Joules(RaplRead before, RaplRead after)
    {
        double total = 0;
        foreach (var (package, end, range) in after.Packages)
        {
            var start = before.Packages.FirstOrDefault(p => p.Package == package);
            if (start.Package is null)
            {
                continue;
            }

            var delta = end - start.MicroJoules;
            if (delta < 0 && range > 0)
            {
                delta += range;
            }

            total += Math.Max(0, delta) / 1e6;
        }

        return total;
    }
}
