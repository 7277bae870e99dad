using LspCopilot.Engine.Models;
using LspCopilot.Server.Hosting.Power;
using LspCopilot.TestSupport;

namespace LspCopilot.Deploy.Tests;

/// <summary>
/// A stand-in <c>nvidia-smi</c>: a shell script that answers the power query with recorded outputs, one per call (the
/// last repeats), and doctor's GPU query with a recorded listing of the same cards. Any other arguments fail, as a
/// real nvidia-smi would for a query it does not know.
/// </summary>
internal sealed class StandInNvidiaSmi : IDisposable
{
    public const string Header = "index, name, power.draw [W], memory.used [MiB], utilization.gpu [%]";

    private readonly TempFolder _folder = new();

    public StandInNvidiaSmi(params string[] powerOutputs)
    {
        Directory.CreateDirectory(_folder.File("responses"));
        for (var i = 0; i < powerOutputs.Length; i++)
        {
            File.WriteAllText(_folder.File($"responses/{i + 1}.out"), powerOutputs[i]);
        }

        File.WriteAllText(_folder.File("gpus.out"), "0, NVIDIA GeForce RTX 4060 Ti, 16380, 15000, 20.50, 165.00, 550.54\n1, NVIDIA GeForce RTX 4060, 8188, 7500, 10.25, 115.00, 550.54\n");
        File.WriteAllText(Executable, $$"""
            #!/bin/sh
            dir=$(dirname "$0")
            if [ "$1" = "{{GpuProbe.Query}}" ]; then cat "$dir/gpus.out"; exit 0; fi
            if [ "$1" != "{{NvidiaSmiPower.Query}}" ] || [ "$2" != "--format=csv" ]; then echo "Invalid combination of input arguments: $*" >&2; exit 2; fi
            echo . >> "$dir/calls"; n=$(($(wc -l < "$dir/calls")))
            last=$(ls "$dir/responses" | grep -c '\.out$')
            i=$n; if [ "$i" -gt "$last" ]; then i=$last; fi
            cat "$dir/responses/$i.out"
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Folder => _folder.Path;

    public string Executable => _folder.File("nvidia-smi");

    /// <summary>
    /// How many times the power query was asked: one line appended per call, so a call killed mid-way (a sampler stopped
    /// while it read) never resets the count the way a rewritten counter file could.
    /// </summary>
    public int Calls => File.Exists(_folder.File("calls")) ? File.ReadAllLines(_folder.File("calls")).Length : 0;

    /// <summary>A recorded power reading of two cards (16 GB and 8 GB) drawing these watts.</summary>
    public static string TwoCards(string watts0, string watts1) =>
        $"{Header}\n0, NVIDIA GeForce RTX 4060 Ti, {watts0}, 14021 MiB, 97 %\n1, NVIDIA GeForce RTX 4060, {watts1}, 6950 MiB, 91 %\n";

    /// <summary>The same after card 1 fell off the bus.</summary>
    public static string CardZeroOnly(string watts0) =>
        $"{Header}\n0, NVIDIA GeForce RTX 4060 Ti, {watts0}, 14021 MiB, 97 %\n";

    public void Dispose() => _folder.Dispose();
}

/// <summary>A fake <c>/sys/class/powercap</c> with one CPU package whose energy counter the test sets.</summary>
internal sealed class FakeRapl : IDisposable
{
    private readonly TempFolder _folder = new();

    public FakeRapl(long rangeMicroJoules = 262143328850)
    {
        var package = _folder.File("intel-rapl:0");
        Directory.CreateDirectory(package);
        File.WriteAllText(Path.Combine(package, "name"), "package-0\n");
        File.WriteAllText(Path.Combine(package, "max_energy_range_uj"), rangeMicroJoules + "\n");
        // A sub-domain (the cores) must not be counted on top of its package.
        var cores = _folder.File("intel-rapl:0:0");
        Directory.CreateDirectory(cores);
        File.WriteAllText(Path.Combine(cores, "name"), "core\n");
        File.WriteAllText(Path.Combine(cores, "energy_uj"), "5\n");
        Set(0);
    }

    public string Root => _folder.Path;

    public void Set(long microJoules) => File.WriteAllText(_folder.File("intel-rapl:0/energy_uj"), microJoules + "\n");

    public void Dispose() => _folder.Dispose();
}
