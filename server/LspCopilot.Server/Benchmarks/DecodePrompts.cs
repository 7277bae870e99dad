namespace LspCopilot.Server.Benchmarks;

/// <summary>The prompts of <c>bench --suite decode</c>: code that repeats itself as code does, and prose that does not.</summary>
internal static class DecodePrompts
{
    public static IReadOnlyList<string> Repetitive { get; } =
    [
        string.Join('\n', Enumerable.Range(0, 8).Select(i => $"        var item{i} = items.Where(x => x.Id == {i}).Select(x => x.Name).ToList();")) + "\n        var item8 =",
        "public sealed record Point(int X, int Y);\npublic sealed record Size(int Width, int Height);\npublic sealed record Line(Point From, Point To);\npublic sealed record",
        string.Join('\n', Enumerable.Range(0, 6).Select(i => $"    Assert.Equal(expected[{i}], actual[{i}]);")) + "\n    Assert.Equal(",
        "switch (kind)\n{\n    case Kind.Red: return \"red\";\n    case Kind.Green: return \"green\";\n    case Kind.Blue: return \"blue\";\n    case Kind.",
        string.Join('\n', Enumerable.Range(0, 5).Select(i => $"Lily saw a big red ball in the park. She said, \"Can I play with the ball?\" Her mom said yes {i}.")) + "\nLily saw",
    ];

    public static IReadOnlyList<string> Prose { get; } =
    [
        "The old fisherman counted seven gulls above the harbour while a girl in a yellow coat sold warm bread to sailors.",
        "Beneath the quiet library, a forgotten staircase led toward rooms where maps of unknown rivers waited in dusty drawers.",
        "Tom found a tiny key under his pillow one morning and wondered which door in the crooked house it might open.",
        "Rain drummed on the tin roof as the baker's cat watched a snail climb slowly across the kitchen window.",
    ];
}
