using System.Globalization;

namespace LspCopilot.Engine.Models;

/// <summary>The machine's RAM: total and available now (Linux /proc/meminfo; elsewhere what the runtime knows).</summary>
public sealed record HostMemory(long TotalBytes, long? AvailableBytes)
{
    public static HostMemory Read()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/meminfo"))
        {
            try
            {
                return Parse(File.ReadAllText("/proc/meminfo"));
            }
            catch (IOException)
            {
            }
        }

        return new HostMemory(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, null);
    }

    /// <summary>Parses /proc/meminfo (values in kB).</summary>
    public static HostMemory Parse(string meminfo)
    {
        long? Field(string name)
        {
            foreach (var line in meminfo.Split('\n'))
            {
                if (line.StartsWith(name + ":", StringComparison.Ordinal))
                {
                    var digits = new string(line[(name.Length + 1)..].Where(char.IsAsciiDigit).ToArray());
                    return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
                }
            }

            return null;
        }

        return new HostMemory(Field("MemTotal") ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, Field("MemAvailable"));
    }
}
