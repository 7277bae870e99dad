using System.CommandLine;
using LspCopilot.Completion;
using LspCopilot.Engine.Chat;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Hosting;

namespace LspCopilot.Server.Cli;

/// <summary><c>lspcopilot model info PATH [--json]</c>: what a GGUF file holds, read from its header without llama.cpp.</summary>
public static class ModelInfoCommand
{
    public static Command Create()
    {
        var path = new Argument<FileInfo>("path") { Description = "A GGUF model file." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var context = new Option<uint?>("--context-size", "-c") { Description = "Also show the memory needed at this context size." };
        var kvType = new Option<string?>("--kv-cache-type") { Description = "KV cache type for the memory figures: f16 (default), q8_0 or q4_0." };
        kvType.AcceptOnlyFromAmong([.. KvCacheTypes.Names]);
        var cacheDir = ModelCommand.CacheDirOption();
        var command = new Command("info", "Show a GGUF model's architecture, size, quantization, FIM template, memory needs and the CPU build measured fastest for it here.") { path, json, context, kvType, cacheDir };
        command.SetAction((parse, _) => Task.FromResult(Run(
            parse.GetValue(path)!,
            parse.GetValue(json),
            parse.GetValue(context),
            parse.GetValue(kvType) ?? "f16",
            Console.Out,
            Console.Error,
            parse.GetValue(cacheDir))));
        return command;
    }

    /// <param name="cacheDir">The model cache folder holding the CPU build measurements (--cache-dir; null: the default).</param>
    public static int Run(FileInfo file, bool json, uint? contextSize, string kvCacheType, TextWriter stdout, TextWriter stderr, string? cacheDir = null)
    {
        if (!file.Exists)
        {
            stderr.WriteLine($"error: the file '{file.FullName}' does not exist.");
            return 2;
        }

        ModelFacts model;
        try
        {
            model = ModelFacts.Read(file.FullName);
        }
        catch (GgufFormatException ex)
        {
            stderr.WriteLine($"error: '{file.FullName}': {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot read '{file.FullName}': {ex.Message}");
            return 2;
        }

        var memory = MemoryEstimate.InterestingContextSizes(model, contextSize)
            .Select(size => MemoryEstimate.For(model, size, kvCacheType))
            .ToList();
        var cpu = CpuBuildSelection.Chooser(ServerLog.Silent, cacheDir).Status(file.FullName);
        var chat = ChatLayoutReport.For(model, "auto", out var chatUnavailable);
        stdout.Write(json
            ? ModelInfoReport.ToJson(model, memory, cpu, chat, chatUnavailable).ToJsonString(ModelInfoReport.JsonOptions) + Environment.NewLine
            : ModelInfoReport.ToText(model, memory, cpu, chat, chatUnavailable));
        if (!model.IsComplete)
        {
            stderr.WriteLine("warning: the file is truncated (an interrupted download?); llama.cpp will refuse it.");
        }

        return 0;
    }
}
