namespace LspCopilot.Backends.Streaming;

internal enum StreamFormat
{
    /// <summary>Server-sent events: <c>data: {json}</c> lines, events separated by blank lines, <c>data: [DONE]</c> at the end (OpenAI).</summary>
    ServerSentEvents,

    /// <summary>One JSON object per line (Ollama).</summary>
    NdJson,
}
