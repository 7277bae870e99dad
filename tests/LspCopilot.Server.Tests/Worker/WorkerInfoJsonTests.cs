using System.Text.Json;
using LspCopilot.Completion;
using LspCopilot.Server.Protocol;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>The model's FIM layout crosses the worker protocol whole, repository-level tokens included (issue 15 §4).</summary>
public sealed class WorkerInfoJsonTests
{
    [Fact]
    public void WorkerInfo_FimWithRepoLayout_ReadsBackEqual()
    {
        var options = LspJson.Configure(new JsonSerializerOptions());
        options.RespectRequiredConstructorParameters = false;
        var fim = new FimLayout("qwen2.5-coder", FimOrder.PrefixSuffixMiddle, 3, 4, 5) { Repo = new RepoLayout("<|file_sep|>", 7, "<|repo_name|>", 6) };
        var info = new WorkerInfo("qwen.gguf", fim, 4096, 42);

        var back = JsonSerializer.Deserialize<WorkerInfo>(JsonSerializer.Serialize(info, options), options);

        Assert.Equal(fim, back!.Fim);
        Assert.Equal(fim.Parts, back.Fim.Parts);
    }
}
