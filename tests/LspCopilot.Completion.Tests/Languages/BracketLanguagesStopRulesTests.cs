using static LspCopilot.Completion.Tests.Languages.LanguageStopSupport;

namespace LspCopilot.Completion.Tests.Languages;

public sealed class BracketLanguagesStopRulesTests
{
    private static string TypeScript(string marked, string generated) => Kept("typescript", "file:///w/app.ts", marked, generated);

    private static string Go(string marked, string generated) => Kept("go", "file:///w/main.go", marked, generated);

    private static string Json(string marked, string generated) => Kept("json", "file:///w/package.json", marked, generated);

    [Fact]
    public void TypeScript_BlockTheSuggestionOpensCloses_StopsAfterIt()
    {
        var kept = TypeScript("function f(a: number) {\n  $$\n}\n", "if (a > 0) {\n    return a;\n  }\n  return 0;\n}\n");

        Assert.Equal("if (a > 0) {\n    return a;\n  }", kept);
    }

    [Fact]
    public void TypeScript_ClosesTheEnclosingMethod_StopsBeforeTheClosingLine()
    {
        var kept = TypeScript("class A {\n  m() {\n    $$\n  }\n}\n", "const x = 1;\n    return x;\n  }\n  n() {\n");

        Assert.Equal("const x = 1;\n    return x;", kept);
    }

    [Fact]
    public void TypeScript_BraceInATemplateString_DoesNotCount()
    {
        var kept = TypeScript("function f() {\n  $$\n}\n", "const s = `}`;\n  log(s);\n}\n");

        Assert.Equal("const s = `}`;\n  log(s);", kept);
    }

    [Fact]
    public void TypeScript_OneLineCallClosedByTheSuggestion_KeepsTheClosingParenthesis()
    {
        Assert.Equal("1, 2);", TypeScript("const x = sum($$", "1, 2);\n"));
    }

    [Fact]
    public void Go_IfBlockCloses_StopsAfterIt()
    {
        var kept = Go("func main() {\n\t$$\n}\n", "if err != nil {\n\t\treturn\n\t}\n\tfmt.Println(\"ok\")\n}\n");

        Assert.Equal("if err != nil {\n\t\treturn\n\t}", kept);
    }

    [Fact]
    public void Go_BraceInARawStringAcrossLines_DoesNotCount()
    {
        var kept = Go("func main() {\n\t$$\n}\n", "s := `a\n}`\n\tx := 1\n}\n");

        Assert.Equal("s := `a\n}`\n\tx := 1", kept);
    }

    [Fact]
    public void Json_ClosingTheEnclosingObject_StopsBeforeIt()
    {
        Assert.Equal("\"b\": 2", Json("{\n  \"a\": 1,\n  $$\n}\n", "\"b\": 2\n}\n"));
    }

    [Fact]
    public void Json_NestedObjectWrittenWhole_StopsAfterIt()
    {
        var kept = Json("{\n  \"a\": 1,\n  $$\n}\n", "\"b\": {\n    \"c\": 1\n  },\n  \"d\": 2\n}\n");

        Assert.Equal("\"b\": {\n    \"c\": 1\n  },", kept);
    }

    [Fact]
    public void Json_BraceInAString_DoesNotCount()
    {
        Assert.Equal("\"b\": \"}\",\n  \"c\": 3", Json("{\n  $$\n}\n", "\"b\": \"}\",\n  \"c\": 3\n}\n"));
    }

    [Fact]
    public void TypeScript_DocumentLeavesTheFunctionOpen_TheSuggestionMayCloseIt()
    {
        var kept = TypeScript("function f(a: number) {\n  const b = a * 2;\n  $$", "return b;\n}\n\nfunction g() {\n");

        Assert.Equal("return b;\n}", kept);
    }

    [Fact]
    public void Go_ClosingParenthesisAlreadyRightOfTheCursor_IsNotWrittenAgain()
    {
        Assert.Equal("a, b", Go("func main() {\n\tfmt.Println($$)\n}\n", "a, b)\n"));
    }
}
