using System.Diagnostics;
using LLama.Native;

namespace LspCopilot.Engine.Speculation;

/// <summary>
/// The draft sources of one engine, in order of preference (a draft model, then prompt lookup), each with its own
/// <see cref="DraftGovernor"/>. The first one that is not paused and has a guess drafts; plain decodes are timed for
/// the governors to compare against. Used on the engine thread only.
/// </summary>
internal sealed class Speculator(IReadOnlyList<(IDraftSource Source, DraftGovernor Governor)> drafters)
{
    private readonly IDraftSource[] _sources = [.. drafters.Select(d => d.Source)];
    private readonly DraftGovernor[] _governors = [.. drafters.Select(d => d.Governor)];
    private readonly Stopwatch _clock = new();
    private int _source = -1;
    private int _afterStep = -1;

    public IReadOnlyList<IDraftSource> Sources => _sources;

    /// <summary>Fills <paramref name="drafts"/> with the guess of the first willing source (none: decode plainly) and starts the step's clock.</summary>
    public void Propose(IReadOnlyList<LLamaToken> history, LLamaToken next, int room, List<LLamaToken> drafts, CancellationToken ct)
    {
        _source = -1;
        for (var i = 0; i < _sources.Length && drafts.Count == 0; i++)
        {
            if (_governors[i].Length(room) is var length and > 0)
            {
                _clock.Restart();
                _sources[i].Propose(history, next, length, drafts, ct);
                _source = i;
            }
        }

        if (drafts.Count == 0)
        {
            _clock.Restart();
        }
    }

    /// <summary>The drafts of the last <see cref="Propose"/> were verified (decoded), so the step's cost is known.</summary>
    public void Verified(int drafted, int accepted)
    {
        if (_source >= 0 && drafted > 0)
        {
            _governors[_source].Step(drafted, accepted, _clock.Elapsed);
            _afterStep = _source;
        }
    }

    /// <summary>The token after the last <see cref="Propose"/> was decoded alone.</summary>
    public void DecodedPlainly()
    {
        // The first plain decode after a step is slower (llama.cpp builds its graph again when the batch shape changes):
        // the step is charged with the difference, and the decode does not count as a plain one.
        var elapsed = _clock.Elapsed;
        for (var i = 0; i < _governors.Length; i++)
        {
            _governors[i].Plain(elapsed, afterStep: _afterStep >= 0, charged: i == _afterStep);
        }

        _afterStep = -1;
    }

    public void Reset()
    {
        _afterStep = -1;
        foreach (var source in _sources)
        {
            source.Reset();
        }
    }
}
