namespace LspCopilot.Completion;

/// <summary>The model path from the environment ($LSPCOPILOT_MODEL), shared by every command.</summary>
public static class EngineCliOptionsEnvironment
{
    public const string ModelVariable = "LSPCOPILOT_MODEL";

    public static string? ModelPath()
    {
        var value = Environment.GetEnvironmentVariable(ModelVariable);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
