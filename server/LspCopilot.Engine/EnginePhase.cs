namespace LspCopilot.Engine;

public enum EnginePhase
{
    Idle,
    Prefill,
    Generate,
}
