using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Tests.Worker;

public sealed class TextPumpTests
{
    [Fact]
    public async Task Post_ChangesApplied_ReconstructTheLatestText()
    {
        var received = string.Empty;
        var pump = new TextPump((start, text) =>
        {
            received = received[..start] + text;
            return Task.CompletedTask;
        });

        foreach (var text in new[] { "a", "ab", "abc", "ab", "abXY" })
        {
            pump.Post(text);
        }

        await pump.FlushAsync();
        Assert.Equal("abXY", received);
    }

    [Fact]
    public async Task Post_WhileASendIsInFlight_MergedIntoOneNextSend()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = new List<(int Start, string Text)>();
        var pump = new TextPump(async (start, text) =>
        {
            sends.Add((start, text));
            if (sends.Count == 1)
            {
                await gate.Task;
            }
        });

        pump.Post("Once");
        pump.Post("Once upon");
        pump.Post("Once upon a");
        pump.Post("Once upon a time");
        gate.SetResult();
        await pump.FlushAsync();

        Assert.Equal([(0, "Once"), (4, " upon a time")], sends);
    }

    [Fact]
    public async Task Post_SendFails_LaterPostsAreDroppedAndFlushEnds()
    {
        var calls = 0;
        var pump = new TextPump((_, _) =>
        {
            calls++;
            return Task.FromException(new IOException("pipe closed"));
        });

        pump.Post("a");
        pump.Post("ab");
        await pump.FlushAsync();

        Assert.Equal(1, calls);
    }
}
