using System.CommandLine;
using System.Globalization;
using LspCopilot.Backends;
using LspCopilot.Completion;
using LspCopilot.Context;
using LspCopilot.Engine.Models;
using LspCopilot.Engine;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Hosting;
using Microsoft.CodeAnalysis.Text;

namespace LspCopilot.Server.Cli;

/// <summary><c>lspcopilot complete FILE --line L --column C</c>: one completion, streamed to stdout.</summary>
public static class CompleteCommand
{
    public static Command Create(Option<string> logLevel)
    {
        var file = new Argument<FileInfo>("file") { Description = "Source file to complete in." };
        var line = new Option<int>("--line", "-l") { Description = "1-based line of the cursor.", Required = true };
        var column = new Option<int>("--column", "-col") { Description = "1-based column of the cursor (UTF-16 units, as editors show them).", Required = true };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most tokens to generate (default 128)." };
        var temperature = new Option<float?>("--temperature") { Description = "0 = greedy and deterministic (default)." };
        var engineOptions = new EngineCliOptions();
        var backendOptions = new BackendCliOptions();

        var command = new Command("complete", "Print the completion at a position in a file, as it streams, then timings on stderr.")
        {
            file,
            line,
            column,
            maxTokens,
            temperature,
        };
        engineOptions.AddTo(command);
        backendOptions.AddTo(command);

        command.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel) ?? "warning"));
            var options = backendOptions.Overlay(parse, engineOptions.Read(parse, useEnvironment: false));
            options = options with { ModelPath = options.Backend.IsRemote ? options.ModelPath : OptionPrecedence.ModelPath(options.ModelPath) };

            var generation = new GenerationOptions
            {
                MaxTokens = parse.GetValue(maxTokens) ?? new GenerationOptions().MaxTokens,
                Temperature = parse.GetValue(temperature) ?? 0,
            };
            return await RunAsync(parse.GetValue(file)!, parse.GetValue(line), parse.GetValue(column), options, generation, log, Console.Out, Console.Error, ct).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(FileInfo file, int line, int column, EngineOptions options, GenerationOptions generation, ServerLog log, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (await CursorInFile.ReadAsync(file, line, column, stderr, cancellationToken).ConfigureAwait(false) is not var (text, offset))
        {
            return 2;
        }

        ICompletionEngine engine;
        try
        {
            // --backend: the model server the user runs (nothing is loaded here); else the GGUF, in this process.
            engine = options.Backend.IsRemote
                ? ModelServers.Create(options, log)
                : LlamaEngine.Load(CpuBuildSelection.Apply(options, log, cancellationToken), log);
        }
        catch (ModelLoadException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }

        using (engine)
        {
            var document = new DocumentSnapshot(new Uri(file.FullName).AbsoluteUri, "csharp", 0, text);
            // C# files get Roslyn's gate, context and truncation, with the project around the file as workspace.
            using var roslyn = file.Extension.Equals(".cs", StringComparison.OrdinalIgnoreCase)
                ? new RoslynContextProvider([ContextCommand.WorkspaceRootFor(file)], new AnalysisOptions(), engine, log)
                {
                    PromptContextLimit = () => PromptBudget.For(generation, engine.ContextSize, engine.Fim.HasFim).Context,
                }
                : null;
            if (roslyn is not null)
            {
                roslyn.OnDocumentChanged(document.Uri, document);
                await roslyn.WaitForWorkspaceAsync(document.Uri, cancellationToken).ConfigureAwait(false);
            }

            var pipeline = new CompletionPipeline(engine, roslyn ?? (ICompletionContextProvider)new TextCompletionGate(), generation, log);
            var printed = string.Empty;
            void Print(string text)
            {
                // Print only what extends the text already shown; cleaning can shorten a partial tail.
                if (text.Length > printed.Length && text.StartsWith(printed, StringComparison.Ordinal))
                {
                    stdout.Write(text[printed.Length..]);
                    stdout.Flush();
                    printed = text;
                }
            }

            Suggestion? suggestion;
            try
            {
                suggestion = await pipeline.CompleteAsync(document, offset, Print, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelLoadException ex)
            {
                // A model server that cannot be reached or used: its message says what to check.
                await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 3;
            }

            if (suggestion is null)
            {
                await stderr.WriteLineAsync("No completion here: the gate declines (inside a word, in disabled code or a character literal, or before code on the line).").ConfigureAwait(false);
                return 0;
            }

            Print(suggestion.Text);
            await stdout.WriteLineAsync().ConfigureAwait(false);
            var stats = suggestion.Raw.Stats;
            await stderr.WriteLineAsync(string.Format(
                CultureInfo.InvariantCulture,
                "{0}: first token {1:F1} ms, {2:F0} tokens/s, {3} prompt tokens, {4} generated, stop: {5}",
                engine.ModelName,
                stats.TimeToFirstToken.TotalMilliseconds,
                stats.TokensPerSecond,
                stats.PromptTokens,
                stats.GeneratedTokens,
                suggestion.Raw.Reason)).ConfigureAwait(false);
            return 0;
        }
    }
}
