using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using LspCopilot.Engine.Models;

namespace LspCopilot.Server.Cli;

/// <summary><c>lspcopilot model list</c>: the models in the cache, and downloads waiting to be resumed.</summary>
public static class ModelListCommand
{
    public static Command Create(Option<string?> cacheDir)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("list", "List the models in the model cache.") { json, cacheDir };
        command.SetAction((parse, _) => Task.FromResult(Run(parse.GetValue(cacheDir), parse.GetValue(json), Console.Out)));
        return command;
    }

    public static int Run(string? cacheDir, bool json, TextWriter stdout)
    {
        var cache = ModelCache.Resolve(cacheDir);
        var models = cache.List();
        if (json)
        {
            var array = new JsonArray([.. models.Select(m => new JsonObject
            {
                ["repository"] = m.Repository,
                ["file"] = m.File,
                ["path"] = m.Path,
                ["size"] = m.Size,
                ["complete"] = m.Complete,
            })]);
            stdout.WriteLine(new JsonObject { ["cache"] = cache.Root, ["models"] = array }.ToJsonString(ModelInfoReport.JsonOptions));
            return 0;
        }

        stdout.WriteLine($"Model cache: {cache.Root}");
        if (models.Count == 0)
        {
            stdout.WriteLine($"  (empty) — get the default model with: {ModelDefaults.PullCommand}");
            return 0;
        }

        var nameWidth = Math.Max(10, models.Max(m => (m.Repository is null ? m.File : $"{m.Repository}/{m.File}").Length));
        foreach (var model in models)
        {
            var name = model.Repository is null ? model.File : $"{model.Repository}/{model.File}";
            var state = model.Complete ? string.Empty : "  (incomplete: run model pull again to resume)";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name.PadRight(nameWidth)}  {ByteUnits.Format(model.Size),10}{state}"));
        }

        return 0;
    }
}
