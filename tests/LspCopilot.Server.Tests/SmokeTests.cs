namespace LspCopilot.Server.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Sanity_Add_Works() => Assert.Equal(2, 1 + 1);
}
