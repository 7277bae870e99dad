using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// textDocument/inlineCompletion: ghost text at the cursor, streamed as $/progress partial results. With
/// initializationOptions.suggestions.count above 1, other suggestions are sampled after the first and arrive in later
/// partial results and the final list — when the client takes partial results (the first is sent whole before any
/// alternative is sampled), or when the user invoked the request (cycling suggestions); an automatic request without
/// partial results gets the first alone, never delayed.
/// </summary>
internal sealed class InlineCompletionHandler(LspSession session)
{
    /// <summary>Partial results are sent at most this often (the first one at once).</summary>
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(15);

    [JsonRpcMethod(LspMethods.InlineCompletion, UseSingleObjectParameterDeserialization = true)]
    public async Task<InlineCompletionList> InlineCompletionAsync(InlineCompletionParams request, CancellationToken cancellationToken)
    {
        var trace = LatencyTrace.Begin(request.PartialResultToken is { ValueKind: JsonValueKind.String } key ? key.GetString() : null, Stopwatch.GetTimestamp());
        try
        {
            return await CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            trace?.Complete();
        }
    }

    private async Task<InlineCompletionList> CompleteAsync(InlineCompletionParams request, CancellationToken cancellationToken)
    {
        var served = new ServedSuggestions(session, request.TextDocument?.Uri);
        var progress = request.PartialResultToken is { ValueKind: JsonValueKind.String or JsonValueKind.Number } token
            ? new PartialResultSender(session, token, request.Position, served)
            : null;

        var count = session.Client.SuggestionCount;
        var alternatives = count > 1 && (progress is not null || request.Context?.TriggerKind == InvokedTrigger)
            ? new AlternativeRequest(
                count - 1,
                progress is null ? null : first => progress.SendNowAsync([first.Text]),
                progress is null ? null : texts => progress.SendNow(texts))
            : null;
        var result = await SuggestionRunner.RunAsync(session, request.TextDocument, request.Position, progress is null ? null : progress.OnText, alternatives, cancellationToken).ConfigureAwait(false);
        if (progress is not null)
        {
            await progress.FlushAsync().ConfigureAwait(false);
        }

        if (result?.Suggestion is not { Text.Length: > 0 } suggestion)
        {
            return InlineCompletionList.Empty;
        }

        // One request is one served suggestion for the statistics: accepting any of its alternatives accepts it.
        return ToList([suggestion.Text, .. suggestion.Alternatives], result.Position, served.Served(result));
    }

    /// <summary>InlineCompletionTriggerKind.Invoked: the user asked (e.g. VS Code's next/previous suggestion), not typing.</summary>
    private const int InvokedTrigger = 1;

    private static InlineCompletionList ToList(string text, Position at) => ToList([text], at);

    private static InlineCompletionList ToList(IReadOnlyList<string> texts, Position at, Command? accepted = null) =>
        new([.. texts.Select(text => new InlineCompletionItem(text, new Protocol.Range(at, at)) { Command = accepted })]);

    /// <summary>Sends the text so far as $/progress, throttled, and keeps them ordered before the response.</summary>
    private sealed class PartialResultSender(LspSession session, JsonElement token, Position? position, ServedSuggestions served)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _lastSent;
        private Task _last = Task.CompletedTask;

        // Captured here: the text arrives on the engine's thread, outside the request's async flow.
        private readonly LatencyTrace? _trace = LatencyTrace.Current;

        public void OnText(string text)
        {
            var now = _clock.Elapsed;
            if (text.Length == 0 || position is null || now - _lastSent < s_progressInterval)
            {
                return;
            }

            _lastSent = now;
            _trace?.Mark(LatencyTrace.Stages.PartialSent);
            served.FirstTextSent();
            _last = session.Notify(LspMethods.Progress, new ProgressParams<InlineCompletionList>(token, ToList(text, position)));
        }

        /// <summary>Sends <paramref name="texts"/> (the first suggestion whole, or it and the alternatives so far) now, after what was sent before.</summary>
        public void SendNow(IReadOnlyList<string> texts)
        {
            if (position is null)
            {
                return;
            }

            _lastSent = _clock.Elapsed;
            _last = session.Notify(LspMethods.Progress, new ProgressParams<InlineCompletionList>(token, ToList(texts, position)));
        }

        public Task SendNowAsync(IReadOnlyList<string> texts)
        {
            SendNow(texts);
            return Task.CompletedTask;
        }

        public Task FlushAsync() => _last;

    }
}
