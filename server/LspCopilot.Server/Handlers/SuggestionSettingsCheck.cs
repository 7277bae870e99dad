using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Rpc;

namespace LspCopilot.Server.Handlers;

/// <summary>Says in the log which initializationOptions.suggestions values are out of range and what is used instead.</summary>
internal static class SuggestionSettingsCheck
{
    public static void Warn(SuggestionSettings? settings, ServerLog log)
    {
        if (settings is null)
        {
            return;
        }

        if (settings.Count is < 1 or > ClientSettings.MaxSuggestionCount)
        {
            log.Warning($"initializationOptions.suggestions.count must be 1 to {ClientSettings.MaxSuggestionCount}; using 1.");
        }

        if (settings.Mode is { } mode && SuggestionModes.Parse(mode) is null)
        {
            log.Warning($"initializationOptions.suggestions.mode \"{mode}\" is not auto, singleLine or multiLine; using auto.");
        }

        if (settings.DebounceMs is < 0 or > ClientSettings.MaxDebounceMs)
        {
            log.Warning($"initializationOptions.suggestions.debounceMs must be 0 to {ClientSettings.MaxDebounceMs}; the server does not wait.");
        }
    }
}
