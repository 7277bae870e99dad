using System.Diagnostics;
using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;
using StreamJsonRpc;

namespace LspCopilot.Server.Handlers;

/// <summary>textDocument/inlineCompletion: ghost text at the cursor, streamed as $/progress partial results.</summary>
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

        var result = await SuggestionRunner.RunAsync(session, request.TextDocument, request.Position, progress is null ? null : progress.OnText, cancellationToken).ConfigureAwait(false);
        if (progress is not null)
        {
            await progress.FlushAsync().ConfigureAwait(false);
        }

        if (result?.Suggestion is not { Text.Length: > 0 } suggestion)
        {
            return InlineCompletionList.Empty;
        }

        return ToList(suggestion.Text, result.Position, served.Served(result));
    }

    private static InlineCompletionList ToList(string text, Position at, Command? accepted = null) =>
        new([new InlineCompletionItem(text, new Protocol.Range(at, at)) { Command = accepted }]);

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

        public Task FlushAsync() => _last;
    }
}
