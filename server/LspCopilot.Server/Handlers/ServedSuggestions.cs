using System.Diagnostics;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Handlers;

/// <summary>
/// The statistics' view of one completion request: when it started (the keystroke: the document's edit just before
/// it), when its first text went out, and — once answered — the served fact and the command that reports acceptance.
/// </summary>
internal sealed class ServedSuggestions(LspSession session, string? uri)
{
    private readonly long _start = uri is null ? Stopwatch.GetTimestamp() : session.Suggestions.StartOf(uri, Stopwatch.GetTimestamp());
    private long _firstText;

    /// <summary>The first text reached the editor (a partial result); later calls change nothing.</summary>
    public void FirstTextSent() => Interlocked.CompareExchange(ref _firstText, Stopwatch.GetTimestamp(), 0);

    /// <summary>Records the answer's suggestion and returns the command its item carries.</summary>
    public Command Served(SuggestionAt result)
    {
        FirstTextSent();
        var suggestion = result.Suggestion!;
        var model = session.Model.EngineAsync is { IsCompletedSuccessfully: true, Result: { } engine } ? engine.ModelName : null;
        var id = session.Suggestions.Served(result.Document.Uri, result.Document.LanguageId, model, suggestion.Raw.Reason, suggestion.Text, Stopwatch.GetElapsedTime(_start, Volatile.Read(ref _firstText)));
        return new Command("LspCopilot: suggestion accepted", LspCommands.CompletionAccepted, [id]);
    }
}
