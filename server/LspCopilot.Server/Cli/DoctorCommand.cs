using System.CommandLine;
using System.Runtime.InteropServices;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Hosting.Power;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot doctor</c>: which llama.cpp build loads (CPU variant or CUDA), which GPUs are
/// visible, and whether the model fits with the chosen options, with options that fit when it does
/// not. It only reads and probes: it never loads the model, and it works on machines without GPUs.
/// </summary>
public static class DoctorCommand
{
    public static Command Create(Option<string> logLevel)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var cacheDir = ModelCommand.CacheDirOption();
        var requireGpu = new Option<bool>("--require-gpu") { Description = $"Fail (exit {GpuRequirement.ExitCode}) unless llama.cpp loads a GPU build that sees a GPU: a container's or service's start-up check." };
        var tokenFile = new Option<string?>("--token-file") { Description = "Check the token file a worker or TCP server will use: missing or empty fails, readable by every user warns." };
        var engine = new EngineCliOptions();
        var command = new Command("doctor", "Check the llama.cpp build, the GPUs and whether the model fits with the chosen options.") { json, cacheDir, requireGpu, tokenFile };
        engine.AddTo(command);
        var power = new PowerCliOptions();
        power.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel) ?? "warning"));
            var options = engine.Read(parse, useEnvironment: true);
            // The cards and CPU package sampled while doctor runs: the box at idle (no baseline of its own).
            await using var meter = await PowerMeter.StartAsync(power.Read(parse, TimeSpan.Zero), TextWriter.Null, ct).ConfigureAwait(false);
            meter.BeginRun();
            var report = await DiagnoseAsync(options, parse.GetValue(cacheDir), new GpuProbe(), log, ct).ConfigureAwait(false);
            report = DeploymentChecks.Apply(report, parse.GetValue(requireGpu), parse.GetValue(tokenFile));
            var figures = await meter.StopAsync(0, 0, ct).ConfigureAwait(false);
            var jsonReport = DoctorOutput.ToJson(report);
            jsonReport["power"] = PowerOutput.ToJson(figures);
            Console.Out.Write(parse.GetValue(json) ? jsonReport.ToJsonString(ModelInfoReport.JsonOptions) + Environment.NewLine : DoctorOutput.ToText(report) + PowerOutput.ToText(figures, "Power (idle: sampled while doctor ran)"));
            if (report.GpuProblem is { } gpuProblem)
            {
                await Console.Error.WriteLineAsync("error: " + gpuProblem).ConfigureAwait(false);
                return GpuRequirement.ExitCode;
            }

            return report.Native.Loaded && report.ModelError is null && report.TokenError is null && report.ChatModelError is null ? 0 : 1;
        });
        return command;
    }

    public static async Task<DoctorReport> DiagnoseAsync(EngineOptions options, string? cacheDir, GpuProbe gpuProbe, ServerLog log, CancellationToken cancellationToken)
    {
        var gpus = await gpuProbe.ProbeAsync(cancellationToken).ConfigureAwait(false);
        var cache = ModelCache.Resolve(cacheDir);
        var defaultModel = cache.Find(ModelDefaults.Reference);
        var (path, source) = options.ModelPath is { } given ? (given, "--model / $LSPCOPILOT_MODEL")
            : defaultModel is not null ? (defaultModel, "default model in the cache")
            : ((string?)null, (string?)null);

        // The build the engine would load (a cached choice), never measured here: doctor must stay quick.
        var chooser = CpuBuildSelection.Chooser(log, cacheDir);
        var choice = await chooser.ChooseAsync(options with { ModelPath = path }, measure: false, cancellationToken).ConfigureAwait(false);
        var native = NativeLibraryProbe.Probe(options.NativeLibDir, log, choice.LibraryDir);

        var report = new DoctorReport
        {
            Os = $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
            Runtime = RuntimeInformation.FrameworkDescription,
            Cores = Environment.ProcessorCount,
            CpuFeatures = DoctorReport.DescribeCpu(),
            Memory = HostMemory.Read(),
            Native = native,
            CpuBuild = chooser.Status(path),
            CpuBuildLoads = choice.Reason,
            CpuVariantRequested = options.CpuVariant,
            Gpus = gpus,
            CacheRoot = cache.Root,
            CachedModels = cache.List().Count(m => m.Complete),
            DefaultModelPath = defaultModel,
            ModelPath = path is null ? null : Path.GetFullPath(path),
            ModelSource = source,
        };
        if (path is null)
        {
            return report;
        }

        ModelFacts model;
        try
        {
            // The engine's own path check first: its messages name an empty mount or a wrong file clearly.
            Engine.ModelFileCheck.Validate(path);
            model = ModelFacts.Read(path);
        }
        catch (ModelLoadException ex)
        {
            return report with { ModelError = ex.Message };
        }
        catch (Exception ex) when (ex is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return report with { ModelError = ex.Message };
        }

        var notes = new List<string>();
        var devices = gpus.Gpus.Select(g => new FitDevice(g.Name, g.MemoryFreeBytes ?? g.MemoryTotalBytes ?? 0, g.MemoryTotalBytes)).ToList();
        if (devices.Count > 0 && !native.HasGpuBackend)
        {
            notes.Add("GPUs are visible but the loaded llama.cpp cannot offload to them (CPU build): build with -p:LlamaBackend=Cuda12 or pass --native-lib-dir with a CUDA build. Planned for the CPU.");
            devices.Clear();
        }
        else if (devices.Count == 0 && native.HasGpuBackend)
        {
            notes.Add("llama.cpp can offload to a GPU, but its free memory is unknown (no nvidia-smi): planned for the CPU.");
        }

        if (!model.IsComplete)
        {
            notes.Add("The model file is truncated (an interrupted download?): llama.cpp will refuse it. Pull it again.");
        }

        var (keyLength, valueLength) = ModelFacts.HeadSizes(model.Gguf);
        if (KvCacheTypes.Problem(options.KvCacheType, keyLength, valueLength) is { } kvProblem)
        {
            notes.Add(kvProblem);
        }

        var plan = FitPlanner.Plan(model, options, devices, report.Memory.AvailableBytes);
        report = report with { Model = model, Options = options, Plan = plan, Notes = [.. notes, .. plan.Notes] };
        return options.ChatModelPath is { } chatPath ? WithChatModel(report, chatPath, devices) : report;
    }

    /// <summary>The chat model (--chat-model) planned with the same options on the memory the completion model leaves.</summary>
    private static DoctorReport WithChatModel(DoctorReport report, string chatPath, IReadOnlyList<FitDevice> devices)
    {
        report = report with { ChatModelPath = Path.GetFullPath(chatPath) };
        ModelFacts chat;
        try
        {
            chat = ModelFacts.Read(chatPath);
        }
        catch (Exception ex) when (ex is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return report with { ChatModelError = ex.Message };
        }

        var (gpus, host) = FitPlanner.Remaining(report.Plan!, devices, report.Memory.AvailableBytes);
        return report with { ChatModel = chat, ChatPlan = FitPlanner.Plan(chat, report.Options! with { ChatModelPath = null }, gpus, host) };
    }
}
