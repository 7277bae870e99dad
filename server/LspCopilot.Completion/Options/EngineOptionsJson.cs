using System.Text.Json;

namespace LspCopilot.Completion;

/// <summary>
/// Applies the engine options an editor sends in <c>initializationOptions</c> (camelCase keys:
/// gpuLayers, splitMode, tensorSplit, mainGpu, flashAttention, kvCacheType, contextSize, threads,
/// prefillChunk, batchInvariant, mlock, noMmap, cpuVariant, fimOrder, chatTemplate, draftModel, speculation, preset; and the backend's: backend, endpoint, remoteModel,
/// fimTemplate). A bad value is skipped with a message, never fatal, so a
/// typo in settings cannot stop the server. Other keys are left to their own readers.
/// </summary>
public static class EngineOptionsJson
{
    /// <summary>The options with every recognised key of <paramref name="json"/> applied; <paramref name="problems"/> lists what was skipped and why.</summary>
    public static EngineOptions Apply(EngineOptions options, JsonElement json, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        problems = found;
        if (json.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return options;
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            found.Add($"initializationOptions must be a JSON object, not {json.ValueKind}; engine options ignored.");
            return options;
        }

        // The preset first, so that keys given alongside it override it.
        if (Get(json, "preset") is { } preset)
        {
            if (preset.ValueKind == JsonValueKind.String && EnginePresets.IsKnown(preset.GetString()))
            {
                options = EnginePresets.Apply(preset.GetString()!, options);
            }
            else
            {
                found.Add($"preset {preset} is unknown (presets: {string.Join(", ", EnginePresets.Names)}); ignored.");
            }
        }

        foreach (var property in json.EnumerateObject())
        {
            options = ApplyOne(options, property.Name, property.Value, found);
        }

        found.AddRange(EngineOptionValues.Check(options));
        return options;
    }

    private static EngineOptions ApplyOne(EngineOptions options, string key, JsonElement value, List<string> problems)
    {
        string? error = null;
        switch (key)
        {
            case "gpuLayers":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= -1)
                {
                    return options with { GpuLayers = n };
                }

                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryParseGpuLayers(value.GetString(), out var layers, out error))
                {
                    return options with { GpuLayers = layers };
                }

                break;
            case "splitMode":
                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryNormalizeSplitMode(value.GetString(), out var mode, out error))
                {
                    return options with { SplitMode = mode };
                }

                break;
            case "tensorSplit":
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number) => string.Join(',', value.EnumerateArray().Select(e => e.GetRawText())),
                    _ => null,
                };
                if (text is not null && EngineOptionValues.TryParseTensorSplit(text, out var split, out error))
                {
                    return options with { TensorSplit = split };
                }

                break;
            case "mainGpu":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var gpu) && gpu is >= 0 and < EngineOptionValues.MaxDevices)
                {
                    return options with { MainGpu = gpu };
                }

                break;
            case "flashAttention":
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null)
                {
                    return options with { FlashAttention = value.ValueKind == JsonValueKind.Null ? null : value.GetBoolean() };
                }

                break;
            case "kvCacheType":
                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryNormalizeKvCacheType(value.GetString(), out var kv, out error))
                {
                    return options with { KvCacheType = kv };
                }

                break;
            case "contextSize":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var context) && context > 0)
                {
                    return options with { ContextSize = context };
                }

                break;
            case "threads":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var threads) && threads is >= 1 and <= 1024)
                {
                    return options with { Threads = threads, BatchThreads = threads };
                }

                break;
            case "prefillChunk":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var chunk) && chunk >= 1)
                {
                    return options with { PrefillChunk = chunk };
                }

                break;
            case "batchInvariant":
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    return options with { BatchInvariant = value.GetBoolean() };
                }

                break;
            case "mlock":
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    return options with { UseMlock = value.GetBoolean() };
                }

                break;
            case "noMmap":
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    return options with { UseMmap = !value.GetBoolean() };
                }

                break;
            case "cpuVariant":
                // Only a choice among the builds shipped with the server, so a client may make it.
                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryNormalizeCpuVariant(value.GetString(), out var variant, out error))
                {
                    return options with { CpuVariant = variant };
                }

                break;
            case "fimOrder":
                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryNormalizeFimOrder(value.GetString(), out var order, out error))
                {
                    return options with { FimOrder = order };
                }

                break;
            case "chatModel":
                if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } chatModel)
                {
                    return options with { ChatModelPath = chatModel };
                }

                error = "the path of a GGUF file";
                break;
            case "draftModel":
                if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } draftModel)
                {
                    return options with { DraftModelPath = draftModel };
                }

                error = "the path of a GGUF file";
                break;
            case "speculation":
                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryNormalizeSpeculation(value.GetString(), out var speculation, out error))
                {
                    return options with { Speculation = speculation };
                }

                break;
            case "chatTemplate":
                if (value.ValueKind == JsonValueKind.String && EngineOptionValues.TryNormalizeChatTemplate(value.GetString(), out var template, out error))
                {
                    return options with { ChatTemplate = template };
                }

                break;
            case "backend":
                if (value.ValueKind == JsonValueKind.String && BackendOptionValues.TryNormalizeKind(value.GetString(), out var kind, out error))
                {
                    return options with { Backend = options.Backend with { Kind = kind } };
                }

                break;
            case "endpoint":
                if (value.ValueKind == JsonValueKind.String && BackendOptionValues.TryNormalizeEndpoint(value.GetString(), out var endpoint, out error))
                {
                    return options with { Backend = options.Backend with { Endpoint = endpoint } };
                }

                break;
            case "remoteModel":
                if (value.ValueKind == JsonValueKind.String && BackendOptionValues.TryNormalizeRemoteModel(value.GetString(), out var remoteModel, out error))
                {
                    return options with { Backend = options.Backend with { RemoteModel = remoteModel } };
                }

                break;
            case "fimTemplate":
                if (value.ValueKind == JsonValueKind.String && BackendOptionValues.TryNormalizeFimTemplate(value.GetString(), out var fimTemplate, out error))
                {
                    return options with { Backend = options.Backend with { FimTemplate = fimTemplate } };
                }

                break;
            case "slot":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var slot) && slot >= 0)
                {
                    return options with { Backend = options.Backend with { Slot = slot } };
                }

                error = "a llama-server slot number, 0 or more";
                break;
            case "apiKeyFile":
                // A client must not choose a file for the server to read and send to a server of the client's choosing.
                problems.Add("apiKeyFile is ignored in initializationOptions: pass --api-key-file (or set LSPCOPILOT_API_KEY) where the server starts.");
                return options;
            case "nativeLibDir":
                // A client must not choose native code for the server to load (a remote editor could run anything).
                problems.Add("nativeLibDir is ignored in initializationOptions: pass --native-lib-dir on the server's command line.");
                return options;
            default:
                return options;
        }

        problems.Add($"{key} = {Shorten(value.GetRawText())} is not valid{(error is null ? string.Empty : ": " + error)}; ignored.");
        return options;
    }

    private static JsonElement? Get(JsonElement json, string name) => json.TryGetProperty(name, out var value) ? value : null;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
