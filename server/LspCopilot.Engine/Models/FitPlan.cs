using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>A GPU the planner can place layers on; <see cref="FreeBytes"/> is what nvidia-smi reports free now.</summary>
public sealed record FitDevice(string Name, long FreeBytes, long? TotalBytes = null);

/// <summary>What one device (a GPU, or host RAM) would hold.</summary>
public sealed record DevicePlan(string Name, int LayerCount, bool HoldsOutput, long WeightBytes, long KvBytes, long OverheadBytes, long? AvailableBytes)
{
    public long TotalBytes => WeightBytes + KvBytes + OverheadBytes;

    /// <summary>The GPU's index in the planner's device list; null for host RAM.</summary>
    public int? GpuIndex { get; init; }

    /// <summary>True when it fits, or when the available memory is unknown.</summary>
    public bool Fits => AvailableBytes is not long available || TotalBytes <= available;
}

/// <summary>
/// Where a model's layers would go with given options, and whether that fits. <see cref="Suggestion"/>
/// holds options that do fit when the chosen ones do not (null when they fit, or nothing fits).
/// </summary>
public sealed record FitPlan(uint ContextSize, string KvCacheType, IReadOnlyList<DevicePlan> Gpus, DevicePlan Host, string? Suggestion, IReadOnlyList<string> Notes)
{
    public bool Fits => Host.Fits && Gpus.All(g => g.Fits);
}
