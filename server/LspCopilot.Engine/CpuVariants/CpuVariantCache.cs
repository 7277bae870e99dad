using System.Text.Json;

namespace LspCopilot.Engine.CpuVariants;

/// <summary>
/// The measurements kept in <c>cpu-variants.json</c> in the model cache folder, one per CPU, model file and
/// llama.cpp build, so that only the first start of a model on a machine measures. A lock file beside it
/// lets one process measure while others wait for its result instead of measuring at the same time.
/// </summary>
public sealed class CpuVariantCache(string folder)
{
    public const string FileName = "cpu-variants.json";

    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions s_json = new(CpuVariantTiming.JsonOptions) { WriteIndented = true };

    public string FilePath { get; } = Path.Combine(Path.GetFullPath(folder), FileName);

    /// <summary>The measurement for this CPU, model file and llama.cpp build, or null.</summary>
    public CpuVariantRecord? Find(CpuIdentity cpu, ModelStamp model, string llamaBuild) =>
        ReadAll().LastOrDefault(r => r.Cpu == cpu && r.Model == model && r.LlamaBuild == llamaBuild);

    /// <summary>Every measurement made on this CPU, newest last.</summary>
    public IReadOnlyList<CpuVariantRecord> ForCpu(CpuIdentity cpu) => [.. ReadAll().Where(r => r.Cpu == cpu)];

    /// <summary>Adds <paramref name="record"/>, replacing an older one of the same CPU and model path; the file is replaced whole.</summary>
    public void Save(CpuVariantRecord record)
    {
        var records = ReadAll().Where(r => !(r.Cpu == record.Cpu && r.Model.Path == record.Model.Path)).Append(record).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = $"{FilePath}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new CacheFile(FormatVersion, records), s_json));
        File.Move(temporary, FilePath, overwrite: true);
    }

    /// <summary>
    /// Takes the measuring lock, waiting up to <paramref name="wait"/> for another process that holds it;
    /// null when it stays taken. The system drops the lock of a process that dies.
    /// </summary>
    public async Task<IDisposable?> LockAsync(TimeSpan wait, Action onWaiting, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var deadline = DateTime.UtcNow + wait;
        var told = false;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix: other processes (and other handles) fail to open it.
                return new FileStream(FilePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (IsHeldByAnother(ex) && DateTime.UtcNow < deadline)
            {
                if (!told)
                {
                    told = true;
                    onWaiting();
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex) when (IsHeldByAnother(ex))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// A lock held elsewhere: a sharing violation on Windows (error 32), flock's EWOULDBLOCK on Unix (11 on Linux,
    /// 35 on macOS). Anything else (a read-only disk) is no reason to wait.
    /// </summary>
    private static bool IsHeldByAnother(IOException ex) =>
        OperatingSystem.IsWindows() ? (ex.HResult & 0xFFFF) == 32 : ex.HResult is 11 or 35;

    /// <summary>The file's records; a missing, unreadable or foreign file reads as none (and is replaced on the next save).</summary>
    private List<CpuVariantRecord> ReadAll()
    {
        try
        {
            var file = JsonSerializer.Deserialize<CacheFile>(File.ReadAllText(FilePath), s_json);
            return file is { Version: FormatVersion, Measurements: { } records } ? [.. records.Where(r => r is { Cpu: not null, Model: not null, Timings: not null })] : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return [];
        }
    }

    private sealed record CacheFile(int Version, List<CpuVariantRecord>? Measurements);
}
