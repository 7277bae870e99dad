using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.EndToEnd;

/// <summary>initializationOptions.suggestions.count over JSON-RPC with the real tiny model: alternatives come after the first, never before it.</summary>
public sealed class AlternativeSuggestionsTests
{
    private const string Uri = "file:///work/story.py";
    private const string Source = "def tell():\n    story = \"Once upon a time, there was a little girl named Lily. She loved to play outside.\"\n    print(\"";
    private const int Line = 2;
    private const int Character = 11;

    private static readonly GenerationOptions s_generation = new() { MaxTokens = 24 };

    private static async Task<InMemoryServer> StartAsync(object? initializationOptions)
    {
        var server = InMemoryServer.Start(TestModels.Require(TestModels.Stories), generation: s_generation);
        await server.Client.InitializeAsync(initializationOptions);
        await server.Client.OpenAsync(Uri, Source, languageId: "python");
        return server;
    }

    private static Task<JsonElement> InlineAsync(InMemoryServer server, int triggerKind, string? token) =>
        server.Client.RequestAsync(LspMethods.InlineCompletion, new
        {
            textDocument = new { uri = Uri },
            position = new { line = Line, character = Character },
            context = new { triggerKind },
            partialResultToken = token,
        });

    private static string[] Texts(JsonElement list) => [.. list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("insertText").GetString()!)];

    /// <summary>The greedy suggestion of a session that asks for one.</summary>
    private static async Task<string> SingleAsync()
    {
        await using (var server = await StartAsync(null))
        {
            return Assert.Single(Texts(await InlineAsync(server, 2, null)));
        }
    }

    [Fact]
    public async Task InlineCompletion_CountThreeWithPartialResults_FirstIsTheGreedyOneAndArrivesWholeBeforeTheOthers()
    {
        var greedy = await SingleAsync();
        await using var server = await StartAsync(new { suggestions = new { count = 3 } });

        var texts = Texts(await InlineAsync(server, 2, "alt-1"));

        Assert.InRange(texts.Length, 2, 3);
        Assert.Equal(greedy, texts[0]);
        Assert.Equal(texts.Length, texts.Select(t => t.Trim()).Distinct().Count());
        var partials = server.Client.NotificationsOf(LspMethods.Progress).Where(p => p.GetProperty("token").GetString() == "alt-1").Select(p => Texts(p.GetProperty("value"))).ToList();
        var firstWithAlternatives = partials.FindIndex(p => p.Length > 1);
        Assert.True(firstWithAlternatives > 0, "The first suggestion was not sent alone before the alternatives.");
        Assert.Equal([greedy], partials[firstWithAlternatives - 1]);
        Assert.Equal(texts, partials[^1]);
    }

    [Fact]
    public async Task InlineCompletion_CountTwoAutomaticWithoutPartialResults_TheFirstAloneUndelayed()
    {
        await using var server = await StartAsync(new { suggestions = new { count = 2 } });

        Assert.Single(Texts(await InlineAsync(server, 2, null)));
    }

    [Fact]
    public async Task InlineCompletion_CountTwoInvoked_TheFirstAndAnAlternative()
    {
        var greedy = await SingleAsync();
        await using var server = await StartAsync(new { suggestions = new { count = 2 } });

        var texts = Texts(await InlineAsync(server, 1, null));

        Assert.Equal(2, texts.Length);
        Assert.Equal(greedy, texts[0]);
        Assert.NotEqual(texts[0].Trim(), texts[1].Trim());
    }

    [Fact]
    public async Task Initialize_SuggestionSettingsOutOfRange_WarnsAndAnswersOne()
    {
        await using var server = await StartAsync(new { suggestions = new { count = 7, mode = "sometimes", debounceMs = 5000 } });

        Assert.Single(Texts(await InlineAsync(server, 1, null)));
        var messages = server.Client.NotificationsOf(LspMethods.LogMessage).Select(m => m.GetProperty("message").GetString()).ToList();
        Assert.Contains(messages, m => m!.Contains("suggestions.count must be 1 to 3", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.Contains("\"sometimes\" is not auto, singleLine or multiLine", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.Contains("suggestions.debounceMs must be 0 to 1000", StringComparison.Ordinal));
    }
}
