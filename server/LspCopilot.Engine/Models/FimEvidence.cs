namespace LspCopilot.Engine.Models;

/// <summary>
/// What a model tells about fill-in-the-middle: its architecture and name, a way to find a control
/// token by its text, and the GGUF <c>tokenizer.ggml.fim_pre/suf/mid_token_id</c> values. Built
/// from a GGUF file or from a loaded llama.cpp vocabulary, so both detect the same template.
/// </summary>
public sealed record FimEvidence(
    string? Architecture,
    string? ModelName,
    Func<string, int?> FindToken,
    int? PrefixId,
    int? SuffixId,
    int? MiddleId);
