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

    public IReadOnlyList<IDraftSource> Sources => _sources;

    /// <summary>Fills <paramref name="drafts"/> with the guess of the first willing source (none: decode plainly) and starts the step's clock.</summary>
    public void Propose(IReadOnlyList<LLamaToken> history, LLamaToken next, int room, List<LLamaToken> drafts, CancellationToken ct)
    {
        _clock.Restart();
        _source = -1;
        for (var i = 0; i < _sources.Length && drafts.Count == 0; i++)
        {
            if (_governors[i].Length(room) is var length and > 0)
            {
                _sources[i].Propose(history, next, length, drafts, ct);
                _source = i;
            }
        }
    }

    /// <summary>The drafts of the last <see cref="Propose"/> were verified (decoded), so the step's cost is known.</summary>
    public void Verified(int drafted, int accepted)
    {
        if (_source >= 0 && drafted > 0)
        {
            _governors[_source].Step(drafted, accepted, _clock.Elapsed);
        }
    }

    /// <summary>The token after the last <see cref="Propose"/> was decoded alone.</summary>
    public void DecodedPlainly()
    {
        var elapsed = _clock.Elapsed;
        foreach (var governor in _governors)
        {
            governor.Plain(elapsed);
        }
    }

    public void Reset()
    {
        foreach (var source in _sources)
        {
            source.Reset();
        }
    }
}
