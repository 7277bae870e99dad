using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text;
using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Engine;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot context FILE --line L --column C</c>: the exact prompt the model would get at a
/// position, and what each section costs in tokens. The workspace is the nearest folder above the file
/// holding a .csproj or .sln, else the file's folder.
/// </summary>
public static class ContextCommand
{
    public static Command Create(Option<string> logLevel)
    {
        var file = new Argument<FileInfo>("file") { Description = "C# file to look at." };
        var line = new Option<int>("--line", "-l") { Description = "1-based line of the cursor.", Required = true };
        var column = new Option<int>("--column", "-col") { Description = "1-based column of the cursor (UTF-16 units).", Required = true };
        var model = new Option<string?>("--model", "-m") { Description = "GGUF model: its tokenizer counts tokens and its FIM layout frames the prompt (else a chars/4 estimate)." };
        var budget = new Option<int?>("--budget") { Description = "Token budget of the Roslyn context sections together (default 1024)." };
        var contextSize = new Option<int?>("--context-size") { Description = $"Model context in tokens to fit the prompt to (default: the model's, else {EngineOptions.DefaultMaxContext}); with --model only its tokenizer is used, so it may exceed the model's own window." };
        var json = new Option<bool>("--json") { Description = "Print { prompt, sections: [{ name, tokens, text }] } as JSON." };
        var command = new Command("context", "Print the prompt and its context sections, with token costs, at a position in a C# file.")
        {
            file,
            line,
            column,
            model,
            budget,
            contextSize,
            json,
        };

        command.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel) ?? "warning"));
            var options = new AnalysisOptions();
            if (parse.GetValue(budget) is int total)
            {
                if (total < 0)
                {
                    await Console.Error.WriteLineAsync("error: --budget must be 0 or more tokens.").ConfigureAwait(false);
                    return 2;
                }

                options = options with { Budget = options.Budget.ScaledTo(total) };
            }

            return await RunAsync(parse.GetValue(file)!, parse.GetValue(line), parse.GetValue(column), parse.GetValue(model), options, parse.GetValue(json), parse.GetValue(contextSize), log, Console.Out, Console.Error, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The largest <c>--context-size</c> taken: far beyond any model's window, small enough that the budget arithmetic stays exact.</summary>
    public const int MaxContextSize = 1 << 20;

    public static Task<int> RunAsync(FileInfo file, int line, int column, string? modelPath, AnalysisOptions options, bool json, ServerLog log, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(file, line, column, modelPath, options, json, contextSize: null, log, stdout, stderr, cancellationToken);

    /// <param name="contextSize">
    /// The model context the prompt is fitted to (<see cref="PromptBudget"/>), from <see cref="PromptBudget.MinContextSize"/>
    /// to <see cref="MaxContextSize"/>; null: the model's, else <see cref="EngineOptions.DefaultMaxContext"/>. With a model,
    /// only its tokenizer and FIM layout are used, so it may exceed the model's own window.
    /// </param>
    public static async Task<int> RunAsync(FileInfo file, int line, int column, string? modelPath, AnalysisOptions options, bool json, int? contextSize, ServerLog log, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (contextSize is < PromptBudget.MinContextSize or > MaxContextSize)
        {
            await stderr.WriteLineAsync($"error: --context-size must be between {PromptBudget.MinContextSize} and {MaxContextSize} tokens (got {contextSize}).").ConfigureAwait(false);
            return 2;
        }

        if (await CursorInFile.ReadAsync(file, line, column, stderr, cancellationToken).ConfigureAwait(false) is not var (text, offset))
        {
            return 2;
        }

        LlamaEngine? engine = null;
        if (modelPath is not null)
        {
            try
            {
                engine = LlamaEngine.Load(new EngineOptions { ModelPath = modelPath }, log);
            }
            catch (ModelLoadException ex)
            {
                await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 3;
            }
        }

        using (engine)
        {
            var generation = new GenerationOptions();
            var size = contextSize ?? engine?.ContextSize ?? (int)EngineOptions.DefaultMaxContext;
            var budget = PromptBudget.For(generation, size, engine?.Fim.HasFim ?? true);
            var root = WorkspaceRootFor(file);
            using var provider = new RoslynContextProvider([root], options, engine, log)
            {
                PromptContextLimit = () => budget.Context,
                StyleSource = () => engine is null ? null : ContextStyle.For(engine.Fim),
            };
            var document = new DocumentSnapshot(new Uri(file.FullName).AbsoluteUri, "csharp", 1, text);
            provider.OnDocumentChanged(document.Uri, document);
            await provider.WaitForWorkspaceAsync(document.Uri, cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var context = await provider.BuildContextAsync(document, offset, cancellationToken).ConfigureAwait(false);
            var contextMs = clock.Elapsed.TotalMilliseconds;
            if (context is null)
            {
                await stderr.WriteLineAsync("No completion here: the gate declines (inside a word, disabled code, a character literal, or before code on the line).").ConfigureAwait(false);
                return 0;
            }

            var prompt = engine is null
                ? PromptLayout.Estimate(text, offset, context, generation, size)
                : ExactPrompt(engine, text, offset, context, generation, budget);

            if (json)
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["prompt"] = prompt.Text,
                    ["mode"] = context.Gate.Mode.ToString(),
                    ["tokenizer"] = engine?.ModelName ?? "chars/4 estimate",
                    ["context_layout"] = engine?.Fim.ContextLayoutName ?? "comment blocks",
                    ["sections"] = prompt.Sections.Select(s => new { name = s.Name, tokens = s.Tokens, text = s.Text }),
                    ["layout"] = prompt.Pieces.Select(p => p.Section is null ? new Dictionary<string, string> { ["marker"] = p.Text } : new Dictionary<string, string> { ["section"] = p.Section }),
                    ["dropped"] = prompt.Dropped.Select(s => new { name = s.Name, tokens = s.Tokens }),
                    ["total_tokens"] = prompt.TotalTokens,
                    ["context_size"] = size,
                    ["window"] = budget.Window,
                    ["context_budget"] = Math.Min(options.Budget.Total, budget.Context),
                    ["context_ms"] = Math.Round(contextMs, 3),
                })).ConfigureAwait(false);
                return 0;
            }

            await stdout.WriteLineAsync(prompt.Text).ConfigureAwait(false);
            await stdout.WriteLineAsync(Table(prompt, context, engine, provider.LoadStats(document.Uri), root)).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>The prompt the engine would decode (its BOS token, which carries no text, left out).</summary>
    private static PromptLayout ExactPrompt(LlamaEngine engine, SourceText text, int offset, ContextResult context, GenerationOptions generation, PromptBudget budget)
    {
        var request = new CompletionRequest(text.ToString(new TextSpan(0, offset)), text.ToString(TextSpan.FromBounds(offset, text.Length)), context.Gate.Mode)
        {
            Context = context.Rendered,
            Generation = generation,
        };
        var parts = engine.BuildPromptParts(request, budget.ContextSize);
        return PromptLayout.FromParts(parts, engine.TokenText, s => [.. engine.TokenizeContext(s).Select(t => (int)t)], engine.Fim, context, budget);
    }

    /// <summary>The nearest folder at or above the file's holding a .csproj or .sln; else the file's folder.</summary>
    public static string WorkspaceRootFor(FileInfo file)
    {
        for (var dir = file.Directory; dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.csproj").Any() || dir.EnumerateFiles("*.sln").Any() || dir.EnumerateFiles("*.slnx").Any())
            {
                return dir.FullName;
            }
        }

        return file.DirectoryName!;
    }

    private static string Table(PromptLayout prompt, ContextResult context, LlamaEngine? engine, WorkspaceLoadStats? stats, string root)
    {
        var sb = new StringBuilder();
        sb.AppendLine(new string('-', 72));
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"section",-12} {"tokens",7}  first line");
        foreach (var section in prompt.Sections)
        {
            var first = section.Text.Split('\n')[0].Trim();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{section.Name,-12} {section.Tokens,7}  {(first.Length > 50 ? first[..47] + "..." : first)}");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"{"total",-12} {prompt.TotalTokens,7}  (context sections: {prompt.ContextTokensInPrompt}; window: {prompt.Budget?.Window} of a {prompt.Budget?.ContextSize}-token context)");
        if (prompt.Dropped.Count > 0 || prompt.ContextTokensInPrompt < context.Tokens)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"note: the prompt keeps {prompt.ContextTokensInPrompt} of the {context.Tokens} context tokens{(prompt.Dropped.Count > 0 ? $"; left out: {string.Join(", ", prompt.Dropped.Select(s => s.Name))}" : string.Empty)} (pass a smaller --budget).");
        }

        var loaded = stats is null ? string.Empty : $" ({stats.Projects} project(s), {stats.Files} file(s))";
        sb.AppendLine(CultureInfo.InvariantCulture, $"mode: {context.Gate.Mode}; workspace: {root}{loaded}");
        sb.Append(engine is null
            ? "tokens: estimated as characters/4 and FIM markers written generically (pass --model for the model's tokenizer and layout)."
            : $"tokens: counted with {engine.ModelName}'s tokenizer; layout {engine.Fim.Template}.");
        return sb.ToString();
    }
}
