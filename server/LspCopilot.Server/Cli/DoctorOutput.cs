using System.Globalization;
using System.Text.Json.Nodes;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Cli;

/// <summary>Renders a <see cref="DoctorReport"/> as text for people or JSON for tools.</summary>
public static class DoctorOutput
{
    public static string ToText(DoctorReport r)
    {
        var text = new StringBuilder();
        void Section(string title) => text.Append(title).Append('\n');
        void Line(string label, string? value) => text.Append(CultureInfo.InvariantCulture, $"  {label,-13}{value ?? "-"}\n");

        Section("System");
        Line("OS", r.Os);
        Line(".NET", r.Runtime);
        Line("CPU", $"{r.Cores} cores; {r.CpuFeatures}");
        Line("RAM", $"{ByteUnits.Format(r.Memory.TotalBytes)} total" + (r.Memory.AvailableBytes is long a ? $", {ByteUnits.Format(a)} available" : string.Empty));

        Section("llama.cpp");
        if (r.Native.Loaded)
        {
            Line("backend", r.Native.Variant + (r.Native.AvxLevel is { } avx ? $", {avx} build" : string.Empty));
            Line("library", r.Native.LibraryPath);
            Line("GPU offload", r.Native.GpuOffload ? "yes" : "no (CPU-only build; for CUDA build with -p:LlamaBackend=Cuda12 or pass --native-lib-dir)");
            Line("devices", string.Join(", ", r.Native.Devices));
            Line("features", r.Native.SystemInfo);
        }
        else
        {
            Line("ERROR", $"the native library did not load: {r.Native.Error}");
            Line("fix", "reinstall lspcopilot, or pass --native-lib-dir with a llama.cpp build of the same commit.");
        }

        Section("CPU build");
        var cpu = r.CpuBuild;
        if (cpu.NotApplicable is null)
        {
            Line("builds", cpu.Candidates.Count == 0 ? "none bundled" : $"{string.Join(", ", cpu.Candidates)} run on this CPU (LLamaSharp's pick: {cpu.Default}); --cpu-variant {r.CpuVariantRequested}");
        }

        Line("loads", r.CpuBuildLoads);
        if (r.ModelPath is not null)
        {
            Line("this model", CpuVariantOutput.ModelText(cpu, cpu.ForModel));
        }

        foreach (var record in cpu.Measured.Where(m => m.Model.Path != cpu.ForModel?.Model.Path))
        {
            Line("measured", $"{System.IO.Path.GetFileName(record.Model.Path)}: {record.Describe()}");
        }

        if (cpu.NotApplicable is null && cpu.Measured.Count == 0 && r.ModelPath is null)
        {
            Line("measured", CpuVariantOutput.NotMeasured + " on this machine");
        }

        Section("GPUs");
        if (r.Gpus.Gpus.Count == 0)
        {
            text.Append("  ").Append(r.Gpus.Note).Append('\n');
        }

        foreach (var gpu in r.Gpus.Gpus)
        {
            var memory = $"{Size(gpu.MemoryTotalBytes)} total, {Size(gpu.MemoryFreeBytes)} free";
            var power = gpu.PowerDrawWatts is double w ? string.Create(CultureInfo.InvariantCulture, $", {w:0} W") + (gpu.PowerLimitWatts is double l ? string.Create(CultureInfo.InvariantCulture, $" of {l:0} W") : string.Empty) : string.Empty;
            Line($"GPU {gpu.Index}", $"{gpu.Name}: {memory}{power}");
        }

        if (r.GpuRequired || r.TokenFile is not null)
        {
            Section("Deployment");
            if (r.GpuRequired)
            {
                Line("require-gpu", r.GpuProblem is null ? "ok: " + Hosting.GpuRequirement.Describe(r.Native) : "FAILED: " + r.GpuProblem);
            }

            if (r.TokenFile is not null)
            {
                Line("token file", r.TokenError is { } tokenError ? "ERROR: " + tokenError : r.TokenWarning is { } warning ? "WARNING: " + warning : $"{r.TokenFile}: ok");
            }
        }

        Section("Model cache");
        Line("folder", $"{r.CacheRoot} ({r.CachedModels} model{(r.CachedModels == 1 ? string.Empty : "s")})");
        Line("default", r.DefaultModelPath ?? $"not downloaded: {ModelDefaults.PullCommand}");

        Section("Model");
        if (r.ModelPath is null)
        {
            text.Append("  none configured: pass --model PATH (or set LSPCOPILOT_MODEL) to check whether it fits.\n");
            return text.ToString();
        }

        Line("path", $"{r.ModelPath} ({r.ModelSource})");
        if (r.ModelError is not null || r.Model is null || r.Plan is null || r.Options is null)
        {
            Line("ERROR", r.ModelError);
            return text.ToString();
        }

        var m = r.Model;
        Line("model", $"{m.Architecture}, {ByteUnits.Count(m.Parameters)} parameters, {m.Quantization}, {m.BlockCount} layers, FIM {m.Fim.Template}");
        var o = r.Options;
        Line("options", $"context {r.Plan.ContextSize:N0}, KV {r.Plan.KvCacheType}, gpu-layers {(o.GpuLayers < 0 ? "all" : o.GpuLayers.ToString(CultureInfo.InvariantCulture))}, split {o.SplitMode}" +
            (o.TensorSplit is { Count: > 0 } ts ? $" {string.Join(',', ts.Select(v => v.ToString(CultureInfo.InvariantCulture)))}" : string.Empty) +
            $", flash attention {(o.FlashAttention is bool fa ? (fa ? "on" : "off") : "auto")}");
        Line("speculation", SpeculationLine(r.ModelPath, o));
        Line("cpu threads", $"{o.Threads}, {CpuSpinLine}");
        Devices(r.Plan, Line);
        Line("verdict", r.Plan.Fits ? "fits" : "does not fit" + (r.Plan.Suggestion is { } s ? $"; try: {s}" : "; choose a smaller quantization or context"));
        foreach (var note in r.Notes)
        {
            Line("note", note);
        }

        if (r.ChatModelPath is not null)
        {
            Section("Chat model (--chat-model, beside the model above)");
            Line("path", r.ChatModelPath);
            if (r.ChatModelError is not null || r.ChatModel is null || r.ChatPlan is null)
            {
                Line("ERROR", r.ChatModelError);
                return text.ToString();
            }

            var c = r.ChatModel;
            Line("model", $"{c.Architecture}, {ByteUnits.Count(c.Parameters)} parameters, {c.Quantization}, {c.BlockCount} layers, chat template {(c.HasChatTemplate ? "yes" : "no")}");
            Line("options", $"context {r.ChatPlan.ContextSize:N0}, KV {r.ChatPlan.KvCacheType}, the same GPU options");
            Devices(r.ChatPlan, Line);
            Line("verdict", r.ChatPlan.Fits
                ? (r.Plan.Fits ? "both fit" : "fits in what the model above leaves, but that one does not fit")
                : "does not fit beside the model above" + (r.ChatPlan.Suggestion is { } cs ? $"; for the chat model try: {cs}" : string.Empty) + "; or a smaller quantization of either model, or a smaller --context-size");
        }

        return text.ToString();
    }

    /// <summary>One line per device a plan uses: what it holds and whether that fits.</summary>
    private static void Devices(FitPlan plan, Action<string, string?> line)
    {
        foreach (var device in plan.Gpus.Append(plan.Host))
        {
            if (device.TotalBytes == 0)
            {
                continue;
            }

            var held = device.LayerCount + (device.HoldsOutput ? " layers + output" : " layers");
            var room = device.AvailableBytes is long free ? $" of {ByteUnits.Format(free)} free {(device.Fits ? "ok" : "TOO BIG")}" : string.Empty;
            line(device.Name, $"{held}: weights {ByteUnits.Format(device.WeightBytes)} + KV {ByteUnits.Format(device.KvBytes)} + compute {ByteUnits.Format(device.OverheadBytes)} = {ByteUnits.Format(device.TotalBytes)}{room}");
        }
    }

    private static JsonArray DevicesJson(FitPlan plan) => new([.. plan.Gpus.Append(plan.Host).Select(d => new JsonObject
    {
        ["name"] = d.Name,
        ["layers"] = d.LayerCount,
        ["output"] = d.HoldsOutput,
        ["weights"] = d.WeightBytes,
        ["kv_cache"] = d.KvBytes,
        ["compute"] = d.OverheadBytes,
        ["total"] = d.TotalBytes,
        ["available"] = d.AvailableBytes,
        ["fits"] = d.Fits,
    })]);

    public static JsonObject ToJson(DoctorReport r)
    {
        var json = new JsonObject
        {
            ["system"] = new JsonObject
            {
                ["os"] = r.Os,
                ["runtime"] = r.Runtime,
                ["cores"] = r.Cores,
                ["cpu"] = r.CpuFeatures,
                ["ram_total"] = r.Memory.TotalBytes,
                ["ram_available"] = r.Memory.AvailableBytes,
            },
            ["native"] = new JsonObject
            {
                ["loaded"] = r.Native.Loaded,
                ["error"] = r.Native.Error,
                ["backend"] = r.Native.Variant,
                ["avx"] = r.Native.AvxLevel,
                ["library"] = r.Native.LibraryPath,
                ["gpu_offload"] = r.Native.GpuOffload,
                ["devices"] = new JsonArray([.. r.Native.Devices.Select(d => JsonValue.Create(d))]),
                ["system_info"] = r.Native.SystemInfo,
            },
            ["cpu_build"] = CpuVariantOutput.MachineJson(r.CpuBuild, r.CpuVariantRequested, r.CpuBuildLoads, r.ModelPath),
            ["gpus"] = new JsonArray([.. r.Gpus.Gpus.Select(g => new JsonObject
            {
                ["index"] = g.Index,
                ["name"] = g.Name,
                ["memory_total"] = g.MemoryTotalBytes,
                ["memory_free"] = g.MemoryFreeBytes,
                ["power_draw_w"] = g.PowerDrawWatts,
                ["power_limit_w"] = g.PowerLimitWatts,
            })]),
            ["gpu_note"] = r.Gpus.Note,
            ["cache"] = new JsonObject { ["root"] = r.CacheRoot, ["models"] = r.CachedModels, ["default_model"] = r.DefaultModelPath },
        };
        if (r.GpuRequired)
        {
            json["require_gpu"] = new JsonObject { ["ok"] = r.GpuProblem is null, ["backend"] = r.Native.Variant, ["problem"] = r.GpuProblem };
        }

        if (r.TokenFile is not null)
        {
            json["token_file"] = new JsonObject { ["path"] = r.TokenFile, ["error"] = r.TokenError, ["warning"] = r.TokenWarning };
        }

        if (r.ModelPath is not null)
        {
            json["model"] = new JsonObject
            {
                ["path"] = r.ModelPath,
                ["error"] = r.ModelError,
                ["architecture"] = r.Model?.Architecture,
                ["quantization"] = r.Model?.Quantization,
                ["fits"] = r.Plan?.Fits,
                ["suggestion"] = r.Plan?.Suggestion,
                ["context_size"] = r.Plan?.ContextSize,
                ["devices"] = r.Plan is null ? null : DevicesJson(r.Plan),
                ["notes"] = new JsonArray([.. r.Notes.Select(n => JsonValue.Create(n))]),
                ["speculation"] = r.Options is { } options ? SpeculationLine(r.ModelPath, options) : null,
                ["cpu_spin"] = CpuSpinLine,
            };
        }

        if (r.ChatModelPath is not null)
        {
            json["chat_model"] = new JsonObject
            {
                ["path"] = r.ChatModelPath,
                ["error"] = r.ChatModelError,
                ["architecture"] = r.ChatModel?.Architecture,
                ["quantization"] = r.ChatModel?.Quantization,
                ["chat_template"] = r.ChatModel?.HasChatTemplate,
                ["fits_beside_model"] = r.ChatPlan?.Fits,
                ["suggestion"] = r.ChatPlan?.Suggestion,
                ["context_size"] = r.ChatPlan?.ContextSize,
                ["devices"] = r.ChatPlan is null ? null : DevicesJson(r.ChatPlan),
            };
        }

        return json;
    }

    private static string Size(long? bytes) => bytes is long b ? ByteUnits.Format(b) : "?";

    /// <summary>How greedy completions speculate, the draft model's verdict, and whether output is batch-invariant (--batch-invariant).</summary>
    /// <summary>How long llama.cpp's idle CPU threads spin (<see cref="Engine.OpenMpSpin"/>), as a server started from here would run.</summary>
    internal static string CpuSpinLine => Engine.OpenMpSpin.Describe(Environment.GetEnvironmentVariable, OperatingSystem.IsLinux());

    internal static string SpeculationLine(string? modelPath, EngineOptions o) =>
        DraftModelLine(modelPath, o) + (o.BatchInvariant ? "; batch-invariant (the same text with speculation on or off, decoding slower)" : string.Empty);

    /// <summary>How greedy completions speculate, and whether the draft model (--draft-model) can draft for this one.</summary>
    private static string DraftModelLine(string? modelPath, EngineOptions o)
    {
        if (o.Speculation == "off")
        {
            return "off";
        }

        var lookup = o.Speculation is "auto" or "lookup" ? "prompt lookup" : null;
        if (o.DraftModelPath is not { } draft || o.Speculation == "lookup")
        {
            return lookup ?? "off";
        }

        var full = Path.GetFullPath(draft);
        var verdict = !File.Exists(full) ? "MISSING: fix --draft-model"
            : modelPath is null ? "not checked"
            : DraftModelCheck.VocabularyDifference(modelPath, full) is { } difference ? $"REFUSED, its vocabulary differs ({difference}): use a smaller model of the same family"
            : "same vocabulary";
        return $"{(lookup is null ? string.Empty : lookup + ", ")}draft model {full} ({verdict})";
    }
}
