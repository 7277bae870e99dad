namespace LspCopilot.Backends.Tests.StandIns;

/// <summary>How a stand-in misbehaves while streaming an answer.</summary>
public enum StreamFault
{
    None,

    /// <summary>Two pieces, then the connection is reset (a server that crashed mid-answer).</summary>
    CutInTheMiddle,

    /// <summary>Two pieces, then the body ends cleanly without the final chunk.</summary>
    EndsEarly,

    /// <summary>A piece, then a data line that is not JSON.</summary>
    Malformed,

    /// <summary>Accepts the request and never sends the headers.</summary>
    NeverAnswers,

    /// <summary>Headers, one piece, then silence.</summary>
    GoesSilent,

    /// <summary>The whole answer with its final chunk, then the body stays open (no end, no [DONE]).</summary>
    SilentAfterTheEnd,

    /// <summary>100 MB in one line without a newline.</summary>
    HugeLine,

    /// <summary>100 MB of well-formed chunks (a server that ignores n_predict).</summary>
    Flood,
}

/// <summary>What a stand-in streams for the next generation requests.</summary>
public sealed class Script
{
    public const long HundredMegabytes = 100L * 1024 * 1024;

    public IReadOnlyList<string> Pieces { get; set; } = ["Console", ".WriteLine", "(name);"];

    /// <summary>Pause before each piece (a slow server; the typing storm needs one).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public StreamFault Fault { get; set; }

    /// <summary>The concatenated pieces: what a client should end up with.</summary>
    public string Text => string.Concat(Pieces);
}
