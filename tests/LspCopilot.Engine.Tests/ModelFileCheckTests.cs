using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Engine.Tests;

/// <summary>A model path that is not a GGUF file on disk is refused at once with a message that says what to do.</summary>
public sealed class ModelFileCheckTests
{
    /// <summary>Far longer than any check takes; opening a FIFO waits forever for a writer.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Validate_NamedPipe_RefusedAtOnceWithWhatToDo()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.gguf");
        NamedPipeFile.Create(path);

        var check = Task.Run(() => Record.Exception(() => ModelFileCheck.Validate(path)), TestContext.Current.CancellationToken);
        var ex = Assert.IsType<ModelLoadException>(await check.WaitAsync(s_hang, TestContext.Current.CancellationToken));

        Assert.Contains("named pipe", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Point the model path at the downloaded .gguf file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_NamedPipe_RefusedBeforeLlamaCppOpensIt()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.gguf");
        NamedPipeFile.Create(path);

        var load = Task.Run(() => Record.Exception(() => LlamaEngine.Load(new EngineOptions { ModelPath = path }, ServerLog.Silent)), TestContext.Current.CancellationToken);

        Assert.IsType<ModelLoadException>(await load.WaitAsync(s_hang, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Validate_CharacterDevice_Refused()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "No /dev/zero here.");

        var ex = Assert.Throws<ModelLoadException>(() => ModelFileCheck.Validate("/dev/zero"));

        Assert.Contains("character device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Folder_Refused()
    {
        using var temp = new TempFolder();

        var ex = Assert.Throws<ModelLoadException>(() => ModelFileCheck.Validate(temp.Path));

        Assert.Contains("is a folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SymbolicLinkToAGgufFile_Accepted()
    {
        var model = TestModels.Require(TestModels.Stories);
        using var temp = new TempFolder();
        var link = temp.File("linked.gguf");
        File.CreateSymbolicLink(link, model);

        Assert.Equal(link, ModelFileCheck.Validate(link));
    }
}
