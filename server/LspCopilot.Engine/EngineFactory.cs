using LspCopilot.Completion;

namespace LspCopilot.Engine;

/// <summary>The engine as the server uses it: the LLamaSharp engine behind the scheduler and result cache.</summary>
public static class EngineFactory
{
    public static EngineScheduler Create(EngineOptions options, ServerLog log) =>
        new(LlamaEngine.Load(options, log), options, log);
}
