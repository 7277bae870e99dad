using LspCopilot.Backends.Prompting;

namespace LspCopilot.Backends.Tests.Prompting;

public sealed class ServerTokenizerTests
{
    [Fact]
    public void Assign_PiecesOfTheJoinedText_CountedPerText()
    {
        // "int x" + " = 1;" + "" + "é": pieces by UTF-8 bytes.
        var counts = ServerTokenizer.Assign(["int x", " = 1;", string.Empty, "é"], [3, 2, 2, 3, 2]);

        Assert.Equal([2, 2, 0, 1], counts);
    }

    [Fact]
    public void Assign_TokenAcrossTwoTexts_CountedOnceInTheFirst()
    {
        var counts = ServerTokenizer.Assign(["ab", "cd"], [3, 1]);

        Assert.Equal([1, 1], counts);
    }
}
