using LLama.Native;

namespace LspCopilot.Engine;

/// <summary>
/// The sequences of the one context: each kind of work keeps its tokens in its own, so a completion's prefix
/// reuse never removes a conversation's tokens and the other way round. The context is unified (all sequences
/// draw on one pool of cells), so what one holds the others cannot use (<see cref="KvBudget"/>).
/// </summary>
internal static class KvSequences
{
    /// <summary>Fill-in-the-middle completions.</summary>
    public static readonly LLamaSeqId Completion = (LLamaSeqId)0;

    /// <summary>Where a completion's reused chunks wait while the text before them is decoded.</summary>
    public static readonly LLamaSeqId Parking = (LLamaSeqId)1;

    /// <summary>The kept conversation (a chat with an id): its turns stay between requests.</summary>
    public static readonly LLamaSeqId Conversation = (LLamaSeqId)2;

    /// <summary>A chat without an id, cleared when it ends, so it never replaces the kept conversation.</summary>
    public static readonly LLamaSeqId OneOff = (LLamaSeqId)3;

    public const int Count = 4;

    /// <summary>
    /// Sequences after the fixed ones, one per client of a shared worker whose completions are decoded together
    /// (<see cref="Batching.ClientSequences"/>): each keeps its client's prompt for prefix reuse.
    /// </summary>
    public const int ClientSlots = 8;

    /// <summary>Every sequence the context is created with.</summary>
    public const int Total = Count + ClientSlots;

    public static LLamaSeqId Client(int slot) => (LLamaSeqId)(Count + slot);
}
