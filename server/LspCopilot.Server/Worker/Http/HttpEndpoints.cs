using System.Globalization;
using System.Text;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Completion.Chat;
using Microsoft.AspNetCore.Http;

namespace LspCopilot.Server.Worker.Http;

/// <summary>The endpoints of <see cref="WorkerHttpService"/>, in the wire formats of OpenAI and llama-server.</summary>
internal sealed class HttpEndpoints(HttpEngineState state, ServerLog log)
{
    /// <summary>Tokens generated when a request does not say (OpenAI's default of 16 is too short for code).</summary>
    private const int DefaultMaxTokens = 128;

    private static readonly DateTimeOffset s_epoch = DateTimeOffset.UnixEpoch;

    public async Task HealthAsync(HttpContext context)
    {
        var engine = state.Engine;
        if (engine is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(state.LoadError is { } error ? new { status = "error", message = error } : (object)new { status = "loading" }).ConfigureAwait(false);
            return;
        }

        if (state.Stuck)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(new { status = "stalled", message = "A request has made no progress for the stall timeout; the worker restarts its engine." }).ConfigureAwait(false);
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            status = "ok",
            model = engine.ModelName,
            busy = state.Busy,
            last_request = state.Last is { } last ? new { endpoint = last.Endpoint, generated = last.Generated, outcome = last.Outcome } : null,
        }).ConfigureAwait(false);
    }

    public async Task ModelsAsync(HttpContext context)
    {
        if (await RequireEngineAsync(context).ConfigureAwait(false) is not { } engine)
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            data = new[] { new { id = engine.ModelName, @object = "model", owned_by = "lspcopilot", meta = new { n_ctx = engine.ContextSize, fim = engine.Fim.HasFim } } },
        }, HttpJson.Options).ConfigureAwait(false);
    }

    /// <summary>llama-server's <c>/props</c>: the context per slot and the model, so llama-server clients (ours too) size prompts.</summary>
    public async Task PropsAsync(HttpContext context)
    {
        if (await RequireEngineAsync(context).ConfigureAwait(false) is not { } engine)
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            default_generation_settings = new { n_ctx = engine.ContextSize },
            total_slots = 1,
            model_path = engine.ModelName,
            build_info = "lspcopilot worker --http",
        }, HttpJson.Options).ConfigureAwait(false);
    }

    /// <summary>llama-server's <c>/tokenize</c> (<c>content</c>, <c>with_pieces</c>), with this model's tokenizer.</summary>
    public async Task TokenizeAsync(HttpContext context)
    {
        if (await ReadAsync(context).ConfigureAwait(false) is not { } body || await RequireEngineAsync(context).ConfigureAwait(false) is not { } engine)
        {
            return;
        }

        using (body)
        {
            if (!TryText(body.RootElement, "content", required: true, out var content, out var error))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, error!, "invalid_request_error").ConfigureAwait(false);
                return;
            }

            if (Tokenizer(engine) is not { } llama)
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status501NotImplemented, "This worker's engine does not expose its tokenizer.", "invalid_request_error").ConfigureAwait(false);
                return;
            }

            var ids = llama.Tokenize(content!);
            object tokens = Flag(body.RootElement, "with_pieces")
                ? ids.Select(t => (object)new { id = (int)t, piece = llama.TokenText((int)t) }).ToArray()
                : ids.Select(t => (int)t).ToArray();
            await context.Response.WriteAsJsonAsync(new { tokens }, HttpJson.Options).ConfigureAwait(false);
        }
    }

    private static LspCopilot.Engine.LlamaEngine? Tokenizer(ICompletionEngine engine) => engine switch
    {
        LspCopilot.Engine.LlamaEngine llama => llama,
        LspCopilot.Engine.EngineScheduler { Inner: LspCopilot.Engine.LlamaEngine inner } => inner,
        _ => null,
    };

    /// <summary>OpenAI <c>/v1/completions</c>: <c>prompt</c> is the text before the cursor; <c>suffix</c>, when given, the text after it.</summary>
    public async Task CompletionsAsync(HttpContext context)
    {
        if (await ReadAsync(context).ConfigureAwait(false) is not { } body || await RequireEngineAsync(context).ConfigureAwait(false) is not { } engine)
        {
            return;
        }

        using (body)
        {
            var root = body.RootElement;
            if (!TryText(root, "prompt", required: true, out var prompt, out var error) || !TryText(root, "suffix", required: false, out var suffix, out error)
                || !TryGeneration(root, "max_tokens", engine, out var generation, out error) || !TryStops(root, out var stops, out error))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, error!, "invalid_request_error").ConfigureAwait(false);
                return;
            }

            var id = "cmpl-" + Guid.NewGuid().ToString("N");
            var created = Created();
            var request = new CompletionRequest(prompt!, suffix ?? string.Empty, CompletionMode.MultiLine) { Generation = generation, Stopper = stops, ClientId = "http" };
            object Chunk(string text, string? finish) => new { id, @object = "text_completion", created, model = engine.ModelName, choices = new[] { new { index = 0, text, finish_reason = finish, logprobs = (object?)null } } };
            await RunAsync(context, "/v1/completions", engine, Flag(root, "stream"), request, piece => Chunk(piece, null), (result, streamed) => streamed
                ? Chunk(string.Empty, Finish(result.Reason))
                : new
                {
                    id,
                    @object = "text_completion",
                    created,
                    model = engine.ModelName,
                    choices = new[] { new { index = 0, text = result.Text, finish_reason = Finish(result.Reason), logprobs = (object?)null } },
                    usage = Usage(result.Stats),
                }, "[DONE]").ConfigureAwait(false);
        }
    }

    /// <summary>llama-server's <c>/infill</c>: input_prefix (+ prompt, the typed part of the line), input_suffix, input_extra chunks as context.</summary>
    public async Task InfillAsync(HttpContext context)
    {
        if (await ReadAsync(context).ConfigureAwait(false) is not { } body || await RequireEngineAsync(context).ConfigureAwait(false) is not { } engine)
        {
            return;
        }

        using (body)
        {
            var root = body.RootElement;
            if (!TryText(root, "input_prefix", required: false, out var prefix, out var error) || !TryText(root, "input_suffix", required: false, out var suffix, out error)
                || !TryText(root, "prompt", required: false, out var typed, out error) || !TryGeneration(root, "n_predict", engine, out var generation, out error)
                || !TryExtra(root, out var extra, out error))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, error!, "invalid_request_error").ConfigureAwait(false);
                return;
            }

            var request = new CompletionRequest((prefix ?? string.Empty) + (typed ?? string.Empty), suffix ?? string.Empty, CompletionMode.MultiLine)
            {
                Context = extra,
                Generation = generation,
                ClientId = "http",
            };
            await RunAsync(context, "/infill", engine, Flag(root, "stream"), request, piece => new { content = piece, stop = false }, (result, streamed) => new
            {
                content = streamed ? string.Empty : result.Text,
                stop = true,
                model = engine.ModelName,
                id_slot = 0,
                tokens_predicted = result.Stats.GeneratedTokens,
                tokens_evaluated = result.Stats.PromptTokens,
                tokens_cached = result.Stats.ReusedTokens + result.Stats.Shifted,
                timings = new { cache_n = result.Stats.ReusedTokens + result.Stats.Shifted, prompt_n = Math.Max(0, result.Stats.PromptTokens - result.Stats.ReusedTokens - result.Stats.Shifted) },
                stop_type = result.Reason switch
                {
                    StopReason.TokenLimit or StopReason.ContextFull => "limit",
                    StopReason.EndOfGeneration => "eos",
                    _ => "word",
                },
            }, done: null).ConfigureAwait(false);
        }
    }

    /// <summary>OpenAI <c>/v1/chat/completions</c>, for models the engine can chat with (an instruction-tuned model with a chat layout).</summary>
    public async Task ChatCompletionsAsync(HttpContext context)
    {
        if (await ReadAsync(context).ConfigureAwait(false) is not { } body || await RequireEngineAsync(context).ConfigureAwait(false) is not { } engine)
        {
            return;
        }

        using (body)
        {
            if (engine is not IChatEngine { ChatLayout: not null } chat)
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status501NotImplemented, $"{engine.ModelName} cannot chat here: it has no chat template. Load an instruction-tuned model, or use /v1/completions and /infill.", "invalid_request_error").ConfigureAwait(false);
                return;
            }

            var root = body.RootElement;
            if (!TryMessages(root, out var messages, out var error) || !TryGeneration(root, "max_tokens", engine, out var generation, out error))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, error!, "invalid_request_error").ConfigureAwait(false);
                return;
            }

            var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
            var created = Created();
            var request = new ChatRequest(messages!) { Generation = generation, ClientId = "http" };
            object Chunk(object delta, string? finish) => new { id, @object = "chat.completion.chunk", created, model = engine.ModelName, choices = new[] { new { index = 0, delta, finish_reason = finish } } };
            var stream = Flag(root, "stream");
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var cancel = gone.Token;
            SseStream? sse = stream ? await SseStream.StartAsync(context.Response, piece => Chunk(new { content = piece }, null), cancel, gone.Cancel).ConfigureAwait(false) : null;
            try
            {
                var result = await state.RunAsync("/v1/chat/completions", () => chat.ChatAsync(request, sse is null ? null : sse.OnText, cancel), r => r.Stats.GeneratedTokens).ConfigureAwait(false);
                if (sse is not null)
                {
                    await sse.FinishAsync(result.Text, Chunk(new { }, Finish(result.Reason)), "[DONE]", cancel).ConfigureAwait(false);
                    return;
                }

                await context.Response.WriteAsJsonAsync(new
                {
                    id,
                    @object = "chat.completion",
                    created,
                    model = engine.ModelName,
                    choices = new[] { new { index = 0, message = new { role = ChatMessage.Assistant, content = result.Text }, finish_reason = Finish(result.Reason) } },
                    usage = Usage(result.Stats),
                }, HttpJson.Options, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // The client went away (the server noticed the closed connection, or a write to it failed).
            }
            catch (Exception ex) when (Failure(ex) is { } failure)
            {
                await FailAsync(context, sse, failure.Status, failure.Message).ConfigureAwait(false);
            }
        }
    }

    private async Task RunAsync(HttpContext context, string endpoint, ICompletionEngine engine, bool stream, CompletionRequest request, Func<string, object> chunk, Func<CompletionResult, bool, object> final, string? done)
    {
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var cancel = gone.Token;
        SseStream? sse = stream ? await SseStream.StartAsync(context.Response, chunk, cancel, gone.Cancel).ConfigureAwait(false) : null;
        try
        {
            var result = await state.RunAsync(endpoint, () => engine.CompleteAsync(request, sse is null ? null : sse.OnText, cancel), r => r.Stats.GeneratedTokens).ConfigureAwait(false);
            if (sse is not null)
            {
                await sse.FinishAsync(result.Text, final(result, true), done, cancel).ConfigureAwait(false);
            }
            else
            {
                await context.Response.WriteAsJsonAsync(final(result, false), HttpJson.Options, cancel).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client went away (the server noticed the closed connection, or a write to it failed).
        }
        catch (Exception ex) when (Failure(ex) is { } failure)
        {
            await FailAsync(context, sse, failure.Status, failure.Message).ConfigureAwait(false);
        }
    }

    /// <summary>The status and message of an engine failure a client should see; null for cancellation (the client left).</summary>
    private (int Status, string Message)? Failure(Exception ex)
    {
        switch (ex)
        {
            case OperationCanceledException:
                return null;
            case EngineBusyException busy:
                return (StatusCodes.Status503ServiceUnavailable, busy.Message);
            case PromptTooLongException tooLong:
                return (StatusCodes.Status400BadRequest, tooLong.Message);
            case EngineStalledException or EngineCrashedException or ModelLoadException:
                log.Error(ex.Message);
                return (StatusCodes.Status503ServiceUnavailable, ex.Message);
            default:
                return null;
        }
    }

    private static async Task FailAsync(HttpContext context, SseStream? sse, int status, string message)
    {
        if (sse is not null)
        {
            await sse.FailAsync(message, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        await HttpErrors.WriteAsync(context, status, message, "server_error").ConfigureAwait(false);
    }

    private async Task<ICompletionEngine?> RequireEngineAsync(HttpContext context)
    {
        if (state.Engine is { } engine)
        {
            return engine;
        }

        context.Response.Headers.RetryAfter = "2";
        await HttpErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, state.LoadError ?? "The model is still loading; try again in a moment.", "server_error").ConfigureAwait(false);
        return null;
    }

    /// <summary>The request's JSON object, or null after answering 400 (not JSON, not an object, too large).</summary>
    private static async Task<JsonDocument?> ReadAsync(HttpContext context)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException ex)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, $"The body is not valid JSON: {ex.Message}", "invalid_request_error").ConfigureAwait(false);
            return null;
        }

        await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "The body must be a JSON object.", "invalid_request_error").ConfigureAwait(false);
        return null;
    }

    private static bool TryText(JsonElement root, string name, bool required, out string? text, out string? error)
    {
        text = null;
        error = null;
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            error = required ? $"'{name}' is required." : null;
            return !required;
        }

        // OpenAI also takes a one-element array of prompts.
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.String)
        {
            value = value[0];
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            error = $"'{name}' must be a string.";
            return false;
        }

        text = value.GetString();
        return true;
    }

    private static bool TryGeneration(JsonElement root, string maxName, ICompletionEngine engine, out GenerationOptions generation, out string? error)
    {
        error = null;
        var max = DefaultMaxTokens;
        if (root.TryGetProperty(maxName, out var m) && m.ValueKind != JsonValueKind.Null)
        {
            // llama-server's n_predict 0 is a warm-up: read the prompt into the cache; it samples one token, and so do we.
            var least = maxName == "n_predict" ? 0 : 1;
            if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt32(out max) || (max < least && max != -1))
            {
                generation = new GenerationOptions();
                error = $"'{maxName}' must be a {(least == 0 ? "whole number, 0 or more" : "positive whole number")} (or -1 for as many as fit).";
                return false;
            }

            max = max == -1 ? engine.ContextSize : Math.Clamp(max, 1, engine.ContextSize);
        }

        var temperature = 0f;
        if (root.TryGetProperty("temperature", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Number || !t.TryGetSingle(out temperature) || temperature < 0 || temperature > 5)
            {
                generation = new GenerationOptions();
                error = "'temperature' must be a number from 0 to 5.";
                return false;
            }
        }

        // The whole prompt, as far as the context allows (the engine keeps the end of the prefix and the start of the suffix).
        generation = new GenerationOptions { MaxTokens = max, Temperature = temperature, PrefixTokens = engine.ContextSize, SuffixTokens = engine.ContextSize };
        return true;
    }

    private static bool TryStops(JsonElement root, out ICompletionStopper? stopper, out string? error)
    {
        stopper = null;
        error = null;
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        var words = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => stop.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            _ => null,
        };
        if (words is null || words.Length > 16 || words.Any(w => w.Length == 0))
        {
            error = "'stop' must be a non-empty string or an array of at most 16 of them.";
            return false;
        }

        stopper = new StopWords(words);
        return true;
    }

    private static bool TryExtra(JsonElement root, out string? context, out string? error)
    {
        context = null;
        error = null;
        if (!root.TryGetProperty("input_extra", out var extra) || extra.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (extra.ValueKind != JsonValueKind.Array)
        {
            error = "'input_extra' must be an array of {filename, text} chunks.";
            return false;
        }

        var text = new StringBuilder();
        foreach (var chunk in extra.EnumerateArray())
        {
            if (chunk.ValueKind != JsonValueKind.Object || !chunk.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
            {
                error = "Each 'input_extra' chunk must be an object with a string 'text' (and optionally 'filename').";
                return false;
            }

            if (chunk.TryGetProperty("filename", out var f) && f.ValueKind == JsonValueKind.String)
            {
                text.Append("// ").Append(f.GetString()).Append('\n');
            }

            text.Append(t.GetString()).Append('\n');
        }

        context = text.Length == 0 ? null : text.ToString();
        return true;
    }

    private static bool TryMessages(JsonElement root, out IReadOnlyList<ChatMessage>? messages, out string? error)
    {
        messages = null;
        error = "'messages' must be a non-empty array of {role, content} with string content.";
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            return false;
        }

        var result = new List<ChatMessage>();
        foreach (var message in list.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            result.Add(new ChatMessage(role.GetString()!, content.GetString()!));
        }

        messages = result;
        error = null;
        return true;
    }

    private static bool Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static string Finish(StopReason reason) => reason is StopReason.TokenLimit or StopReason.ContextFull ? "length" : "stop";

    private static object Usage(CompletionStats stats) => new
    {
        prompt_tokens = stats.PromptTokens,
        completion_tokens = stats.GeneratedTokens,
        total_tokens = stats.PromptTokens + stats.GeneratedTokens,
    };

    private static long Created() => (long)(DateTimeOffset.UtcNow - s_epoch).TotalSeconds;

    /// <summary>OpenAI's <c>stop</c>: the text ends before the first stop word.</summary>
    private sealed class StopWords(string[] words) : ICompletionStopper
    {
        public int? FindStop(string text)
        {
            int? first = null;
            foreach (var word in words)
            {
                var at = text.IndexOf(word, StringComparison.Ordinal);
                if (at >= 0 && (first is null || at < first))
                {
                    first = at;
                }
            }

            return first;
        }
    }
}
