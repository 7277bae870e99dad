using System.Text.Json;
using LspCopilot.Server.Protocol;

namespace LspCopilot.Server.Tests.Transport;

public sealed class EditorTextConverterTests
{
    [Fact]
    public void LoneSurrogatesAmongOtherEscapes_EachKeptAsTheOneUtf16UnitItIs()
    {
        var json = """{"uri":"file:///a.txt","languageId":"plaintext","version":1,"text":"a\ud800\n\"é\u00e9\ud83d\ude00\udc00\\z\/"}""";

        var item = JsonSerializer.Deserialize<TextDocumentItem>(json, LspJson.Options)!;

        Assert.Equal("a\ud800\n\"éé😀\udc00\\z/", item.Text);
    }

    [Fact]
    public void ValidText_ReadAsSystemTextJsonReadsIt()
    {
        var json = """{"text":"tab\there 😀 \u2028","range":null}""";

        Assert.Equal("tab\there 😀 \u2028", JsonSerializer.Deserialize<TextDocumentContentChangeEvent>(json, LspJson.Options)!.Text);
    }

    [Fact]
    public void TextThatIsNotAString_Refused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<TextDocumentContentChangeEvent>("""{"text":5}""", LspJson.Options));
    }
}
