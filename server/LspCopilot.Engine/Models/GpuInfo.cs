namespace LspCopilot.Engine.Models;

/// <summary>One GPU as nvidia-smi reports it; values it cannot read ("[N/A]") are null.</summary>
public sealed record GpuInfo(int Index, string Name, long? MemoryTotalBytes, long? MemoryFreeBytes, double? PowerDrawWatts, double? PowerLimitWatts, string? DriverVersion);

/// <summary>The GPUs found, and when there are none, why (for the user).</summary>
public sealed record GpuProbeResult(IReadOnlyList<GpuInfo> Gpus, string? Note);
