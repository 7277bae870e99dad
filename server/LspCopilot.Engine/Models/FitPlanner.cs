using System.Globalization;
using LspCopilot.Completion;

namespace LspCopilot.Engine.Models;

/// <summary>
/// Predicts how llama.cpp will place a model on GPUs and whether it fits, without loading it. It
/// mirrors llama.cpp's layer split: the last <c>gpu-layers</c> blocks are offloaded, spread over the
/// GPUs by cumulative tensor-split shares (default: free memory), the output head goes with the
/// last offloaded layer, the input embeddings stay in host RAM, each layer's KV cache sits with the
/// layer. Compute buffers are estimated, so the answer is a close guide, not a promise.
/// </summary>
public static class FitPlanner
{
    /// <summary>Per GPU: CUDA context and driver state that are not in the free figure yet.</summary>
    public const long GpuReserveBytes = 400L << 20;

    private const int MicroBatch = 512;

    public static FitPlan Plan(ModelFacts model, EngineOptions options, IReadOnlyList<FitDevice> gpus, long? hostAvailableBytes)
    {
        var plan = Place(model, options, gpus, hostAvailableBytes);
        if (plan.Fits)
        {
            return plan;
        }

        return plan with { Suggestion = Suggest(model, options, gpus, hostAvailableBytes) };
    }

    /// <summary>
    /// The memory left on each device once <paramref name="plan"/>'s model is loaded: where a second model (the chat
    /// model beside the completion model) can go. A device already short stays at zero.
    /// </summary>
    public static (IReadOnlyList<FitDevice> Gpus, long? HostAvailableBytes) Remaining(FitPlan plan, IReadOnlyList<FitDevice> gpus, long? hostAvailableBytes)
    {
        var left = gpus.Select((gpu, i) =>
        {
            var used = plan.Gpus.Where(d => d.GpuIndex == i).Sum(d => d.TotalBytes);
            return gpu with { FreeBytes = Math.Max(0, gpu.FreeBytes - used) };
        }).ToList();
        return (left, hostAvailableBytes is long host ? Math.Max(0, host - plan.Host.TotalBytes) : null);
    }

    /// <summary>The context llama.cpp will get: the option, else the training context capped as the engine caps it.</summary>
    public static uint EffectiveContext(ModelFacts model, EngineOptions options) =>
        options.ContextSize ?? ContextSizeCheck.DefaultFor(model);

    private static FitPlan Place(ModelFacts model, EngineOptions options, IReadOnlyList<FitDevice> gpus, long? hostAvailable)
    {
        var context = EffectiveContext(model, options);
        var kvPerElement = KvCacheTypes.BytesPerElement(options.KvCacheType);
        var layers = model.BlockCount;
        var notes = new List<string>();

        // Which GPUs take part, and their cumulative shares.
        var active = new List<int>();
        if (gpus.Count > 0 && options.GpuLayers != 0)
        {
            if (options.SplitMode == "none")
            {
                var main = options.MainGpu < gpus.Count ? options.MainGpu : 0;
                if (main != options.MainGpu)
                {
                    notes.Add($"--main-gpu {options.MainGpu} does not exist; GPU 0 assumed.");
                }

                active.Add(main);
            }
            else
            {
                active.AddRange(Enumerable.Range(0, gpus.Count));
            }
        }

        var shares = active.Select(i => options.SplitMode != "none" && options.TensorSplit is { Count: > 0 } split
            ? (i < split.Count ? split[i] : 0)
            : (double)Math.Max(0, gpus[i].FreeBytes)).ToArray();
        if (shares.Sum() <= 0)
        {
            shares = [.. active.Select(_ => 1.0)];
        }

        var cumulative = new double[shares.Length];
        var running = 0.0;
        for (var i = 0; i < shares.Length; i++)
        {
            running += shares[i];
            cumulative[i] = running / shares.Sum();
        }

        var gpuLayers = active.Count == 0 ? 0 : options.GpuLayers < 0 ? layers + 1 : Math.Min(options.GpuLayers, layers + 1);
        var firstGpuLayer = Math.Max(layers - gpuLayers, 0);
        var placed = Math.Min(gpuLayers, layers + 1);
        int DeviceOf(int layer) => layer < firstGpuLayer || active.Count == 0
            ? -1
            : UpperBound(cumulative, (layer - firstGpuLayer) / (double)placed);

        var weights = new long[active.Count];
        var kv = new long[active.Count];
        var counts = new int[active.Count];
        long hostWeights = model.TokenEmbeddingBytes;
        long hostKv = 0;
        var hostLayers = 0;
        for (var layer = 0; layer < layers; layer++)
        {
            var layerKv = (long)Math.Ceiling(model.KvElementsPerLayer[layer] * (double)context * kvPerElement);
            var device = DeviceOf(layer);
            if (device < 0)
            {
                hostWeights += model.LayerWeightBytes[layer];
                hostKv += layerKv;
                hostLayers++;
            }
            else
            {
                weights[device] += model.LayerWeightBytes[layer];
                kv[device] += layerKv;
                counts[device]++;
            }
        }

        var outputDevice = gpuLayers > layers ? DeviceOf(layers) : -1;
        if (outputDevice >= 0)
        {
            weights[outputDevice] += model.OutputBytes;
        }
        else
        {
            hostWeights += model.OutputBytes;
        }

        var flash = options.FlashAttention != false;
        var plans = new List<DevicePlan>();
        for (var d = 0; d < active.Count; d++)
        {
            var used = counts[d] > 0 || d == outputDevice;
            var overhead = used ? GpuReserveBytes + ComputeBytes(model, context, flash, d == outputDevice) : 0;
            var gpu = gpus[active[d]];
            plans.Add(new DevicePlan($"GPU {active[d]} {gpu.Name}".TrimEnd(), counts[d], d == outputDevice, weights[d], kv[d], overhead, gpu.FreeBytes) { GpuIndex = active[d] });
        }

        var hostOverhead = active.Count == 0 || hostLayers > 0 ? ComputeBytes(model, context, flash, outputDevice < 0) : 0;
        var host = new DevicePlan("host RAM", hostLayers, outputDevice < 0, hostWeights, hostKv, hostOverhead, hostAvailable);
        if (hostAvailable is null)
        {
            notes.Add("Available host RAM is unknown; the host share is not checked.");
        }

        return new FitPlan(context, options.KvCacheType, plans, host, null, notes);
    }

    /// <summary>
    /// Options that fit when the chosen ones do not: shares proportional to each GPU's free memory
    /// (less its overhead) and the most layers that then fit; else a smaller KV cache; else CPU only.
    /// </summary>
    private static string? Suggest(ModelFacts model, EngineOptions options, IReadOnlyList<FitDevice> gpus, long? hostAvailable)
    {
        if (gpus.Count == 0 || options.GpuLayers == 0)
        {
            return options.KvCacheType == "f16" && Place(model, options with { KvCacheType = "q8_0" }, gpus, hostAvailable).Fits
                ? "--kv-cache-type q8_0 (halves the KV cache)"
                : null;
        }

        var split = gpus.Select(g => Math.Max(0, g.FreeBytes - GpuReserveBytes) / (double)(1L << 30)).ToArray();
        var splitText = string.Join(',', split.Select(s => Math.Max(0.1, Math.Round(s, 1)).ToString(CultureInfo.InvariantCulture)));
        var candidate = options with
        {
            SplitMode = gpus.Count > 1 ? "layer" : options.SplitMode,
            TensorSplit = gpus.Count > 1 ? [.. split.Select(s => (float)Math.Max(0.1, Math.Round(s, 1)))] : options.TensorSplit,
        };
        var splitOption = gpus.Count > 1 ? $" --split-mode layer --tensor-split {splitText}" : string.Empty;

        for (var n = model.BlockCount + 1; n > 0; n--)
        {
            var attempt = Place(model, candidate with { GpuLayers = n }, gpus, hostAvailable);
            if (attempt.Gpus.All(g => g.Fits))
            {
                var layersOption = n > model.BlockCount ? "--gpu-layers all" : $"--gpu-layers {n}";
                var slower = n > model.BlockCount ? string.Empty : $" ({model.BlockCount - Math.Min(n, model.BlockCount)} layers on the CPU: slower)";
                var kvHint = n <= model.BlockCount && options.KvCacheType == "f16" ? "; or add --kv-cache-type q8_0 to fit more layers" : string.Empty;
                return layersOption + splitOption + slower + kvHint + (attempt.Host.Fits ? string.Empty : "; host RAM is short too");
            }
        }

        return "--gpu-layers 0 (the GPUs cannot hold even one layer; run on the CPU or choose a smaller quantization)";
    }

    /// <summary>
    /// Rough llama.cpp compute buffer: activations for one micro-batch, the attention score matrix
    /// when flash attention is off (n_ctx × ubatch × heads, f32), and the logits on the output device.
    /// </summary>
    private static long ComputeBytes(ModelFacts model, uint context, bool flashAttention, bool holdsOutput)
    {
        var embedding = model.EmbeddingLength ?? 4096;
        var heads = model.HeadCount ?? 32;
        long bytes = MicroBatch * embedding * 4L * 8;
        if (!flashAttention)
        {
            bytes += (long)context * MicroBatch * heads * 4;
        }

        if (holdsOutput)
        {
            bytes += (long)MicroBatch * (model.VocabSize ?? 32_000) * 4;
        }

        return bytes;
    }

    private static int UpperBound(double[] cumulative, double x)
    {
        for (var i = 0; i < cumulative.Length; i++)
        {
            if (cumulative[i] > x)
            {
                return i;
            }
        }

        return cumulative.Length - 1;
    }
}
