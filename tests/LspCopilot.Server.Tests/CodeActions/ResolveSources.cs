using System.Text.Json;

namespace LspCopilot.Server.Tests.CodeActions;

/// <summary>The sources, scripted replies and helpers the resolve tests share.</summary>
internal static class ResolveSources
{
    public const string Calculator = """
        namespace App;

        public class Calculator
        {
            public int Sum(int[] values)
            {
                [|var total = 0;
                foreach (var value in values)
                {
                    total += value;
                }

                return total;|]
            }
        }
        """;

    public const string CleanStatements = "Here it is, shorter:\n\n```csharp\nreturn System.Linq.Enumerable.Sum(values);\n```\n\nThis uses LINQ.";

    public const string Simplified = """
        namespace App;

        public class Calculator
        {
            public int Sum(int[] values)
            {
                return System.Linq.Enumerable.Sum(values);
            }
        }
        """;

    public const string RefactorEditAnnotation = "lspcopilot.refactor";

    public static Task<CodeActionSession> StartAsync(ScriptedChatEngine engine, object? initializationOptions = null, params (string Path, string Content)[] files) =>
        CodeActionSession.StartAsync(engine, initializationOptions, files: files);

    public static JsonElement Result(JsonElement response)
    {
        Assert.False(response.TryGetProperty("error", out var error), "The request failed: " + error);
        return response.GetProperty("result");
    }

    public static string Unmarked(string marked) => CodeActionSession.Unmark(marked).Text;

    public static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
}
