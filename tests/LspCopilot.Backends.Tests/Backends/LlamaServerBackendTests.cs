using LspCopilot.Backends.Engines;
using LspCopilot.Backends.Tests.StandIns;
using LspCopilot.Completion;
using LspCopilot.TestSupport;

namespace LspCopilot.Backends.Tests.Backends;

/// <summary>The llama-server backend against a stand-in that answers as llama-server documents.</summary>
public sealed class LlamaServerBackendTests
{
    [Fact]
    public async Task Complete_StreamingServer_HandsEachPieceToOnTextAndReturnsTheWhole()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);
        var seen = new List<string>();

        var result = await engine.CompleteAsync(TestBackends.Request(), seen.Add, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.Equal(["Console", "Console.WriteLine", "Console.WriteLine(name);"], seen);
        Assert.Equal(StopReason.EndOfGeneration, result.Reason);
        Assert.Equal(40, result.Stats.PromptTokens);
    }

    [Fact]
    public async Task Complete_Infill_SendsPrefixSuffixContextAsInputExtraAndLimits()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);

        await engine.CompleteAsync(TestBackends.Request(context: "// class Greeter { string Name; }\n"), null, TestContext.Current.CancellationToken).NoHang();

        var body = Assert.Single(server.Completions).Json;
        Assert.Equal("var name = \"world\";\n", body.GetProperty("input_prefix").GetString());
        Assert.Equal("        ", body.GetProperty("prompt").GetString());
        Assert.Equal("\n    }\n}\n", body.GetProperty("input_suffix").GetString());
        var extra = Assert.Single(body.GetProperty("input_extra").EnumerateArray());
        Assert.Equal("// class Greeter { string Name; }\n", extra.GetProperty("text").GetString());
        Assert.Equal(128, body.GetProperty("n_predict").GetInt32());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("cache_prompt").GetBoolean());
        Assert.True(body.GetProperty("t_max_predict_ms").GetInt32() > 0);
        Assert.Equal("\n", Assert.Single(body.GetProperty("stop").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Complete_MultiLineOnIndentedLine_SendsNIndent()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);

        await engine.CompleteAsync(TestBackends.Request(mode: CompletionMode.MultiLine), null, TestContext.Current.CancellationToken).NoHang();

        var body = Assert.Single(server.Server.To("/infill")).Json;
        Assert.Equal(8, body.GetProperty("n_indent").GetInt32());
        Assert.Empty(body.GetProperty("stop").EnumerateArray());
    }

    [Fact]
    public async Task Complete_NoInfill501_FallsBackToCompletionWithOurFimRenderingAndSaysSoOnce()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.NoInfill = true;
        var (log, lines) = TestBackends.Recording();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, log: log);

        var first = await engine.CompleteAsync(TestBackends.Request(prefix: "int x = ", suffix: ";\n"), null, TestContext.Current.CancellationToken).NoHang();
        var second = await engine.CompleteAsync(TestBackends.Request(prefix: "int y = ", suffix: ";\n"), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, first.Text);
        Assert.Equal(server.Script.Text, second.Text);
        Assert.Single(server.Server.To("/infill"));
        var prompts = server.Server.To("/completion").Select(r => r.Json.GetProperty("prompt").GetString()).ToList();
        Assert.Equal(2, prompts.Count);
        // The model's file name says Qwen2.5-Coder: its markers, prefix-suffix-middle.
        Assert.Equal("<|fim_prefix|>int y = <|fim_suffix|>;\n<|fim_middle|>", prompts[1]);
        Assert.False(engine is LlamaServerEngine { UsesInfill: true });
        Assert.Single(lines.ToString().Split('\n'), l => l.Contains("Using /completion", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Complete_ServerLoading503_SaysModelLoadingOnServerThenCompletesOnceLoaded()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.Loading = true;
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);

        var loading = await Assert.ThrowsAsync<ModelLoadException>(() => engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang());
        server.Loading = false;
        var result = await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Contains("Model loading on server", loading.Message, StringComparison.Ordinal);
        Assert.Equal(server.Script.Text, result.Text);
    }

    [Fact]
    public async Task Discovery_Props_GivesModelNameAndSlotContext()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.Context = 3000;
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);

        await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal("qwen2.5-coder-1.5b-q8_0.gguf", engine.ModelName);
        Assert.Equal(3000, engine.ContextSize);
    }

    [Fact]
    public async Task CountTokens_ManyTexts_OneTokenizeCall()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);
        await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();
        var before = server.Server.To("/tokenize").Count();

        var counts = await engine.CountTokensAsync(["abcdef", "ghi", string.Empty, "jklmnopqr"], TestContext.Current.CancellationToken).NoHang();

        Assert.Equal([2, 1, 0, 3], counts);
        Assert.Equal(before + 1, server.Server.To("/tokenize").Count());
    }

    [Fact]
    public async Task Complete_HugeDocument_PromptFitsTheServersContext()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.Context = 512;
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);
        var prefix = string.Concat(Enumerable.Range(0, 4000).Select(i => $"int v{i} = {i};\n"));

        await engine.CompleteAsync(TestBackends.Request(prefix: prefix, suffix: prefix, mode: CompletionMode.MultiLine, context: prefix), null, TestContext.Current.CancellationToken).NoHang();

        var body = Assert.Single(server.Completions).Json;
        var sent = body.GetProperty("input_prefix").GetString()!.Length + body.GetProperty("input_suffix").GetString()!.Length + body.GetProperty("input_extra")[0].GetProperty("text").GetString()!.Length;
        // The stand-in's tokenizer makes 3 characters a token: the prompt and the 128 tokens to generate fit in 512.
        Assert.True((sent / 3) + 128 <= 512, $"{sent} characters sent");
        Assert.EndsWith("int v3999 = 3999;\n", body.GetProperty("input_prefix").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_ContextChanges_WarmsUpOncePerContext_AndPinsCompletionsToTheWarmedSlot()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.WarmSlot = 3;
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);
        var ct = TestContext.Current.CancellationToken;

        await engine.CompleteAsync(TestBackends.Request(prefix: "var a = ", context: "// class A\n"), null, ct).NoHang();
        await engine.CompleteAsync(TestBackends.Request(prefix: "var ab = ", context: "// class A\n"), null, ct).NoHang();
        await engine.CompleteAsync(TestBackends.Request(prefix: "var abc = ", context: "// class B\n"), null, ct).NoHang();

        var warmUps = server.WarmUps.Select(r => r.Json).ToList();
        Assert.Equal(["// class A\n", "// class B\n"], warmUps.Select(w => w.GetProperty("input_extra")[0].GetProperty("text").GetString()));
        Assert.All(warmUps, w =>
        {
            Assert.Equal(0, w.GetProperty("n_predict").GetInt32());
            Assert.Equal(string.Empty, w.GetProperty("input_prefix").GetString());
            Assert.Equal(string.Empty, w.GetProperty("input_suffix").GetString());
            Assert.True(w.GetProperty("cache_prompt").GetBoolean());
            Assert.False(w.TryGetProperty("id_slot", out _));
        });
        Assert.Equal([3, 3, 3], server.Completions.Select(r => r.Json.GetProperty("id_slot").GetInt32()));
        Assert.Equal(2, ((LlamaServerEngine)engine).WarmUps);
    }

    [Fact]
    public async Task Complete_NoContext_NoWarmUpAndNoSlot()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);

        await engine.CompleteAsync(TestBackends.Request(), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Empty(server.WarmUps);
        Assert.False(Assert.Single(server.Completions).Json.TryGetProperty("id_slot", out _));
    }

    [Fact]
    public async Task Complete_CancelledWhileTheContextWarmsUp_TheWarmUpFinishesForTheNextKeystroke()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.WarmUpTime = TimeSpan.FromMilliseconds(500);
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);
        using var keystroke = new CancellationTokenSource();

        var first = engine.CompleteAsync(TestBackends.Request(prefix: "var a = ", context: "// class A\n"), null, keystroke.Token);
        Assert.True(await Eventually.TrueAsync(() => server.WarmUps.Any()), "No warm-up was sent.");
        await keystroke.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.NoHang());
        Assert.True(await Eventually.TrueAsync(() => server.WarmUpsAnswered == 1), "The warm-up was cut off with the cancelled keystroke.");
        await engine.CompleteAsync(TestBackends.Request(prefix: "var ab = ", context: "// class A\n"), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Single(server.WarmUps);
        Assert.Equal(server.WarmSlot, Assert.Single(server.Completions).Json.GetProperty("id_slot").GetInt32());
    }

    [Fact]
    public async Task Complete_SlotOption_PinsTheWarmUpAndEveryCompletion()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url, backend: b => b with { Slot = 2 });
        var ct = TestContext.Current.CancellationToken;

        await engine.CompleteAsync(TestBackends.Request(context: "// class A\n"), null, ct).NoHang();
        await engine.CompleteAsync(TestBackends.Request(), null, ct).NoHang();

        Assert.Equal(2, Assert.Single(server.WarmUps).Json.GetProperty("id_slot").GetInt32());
        Assert.Equal([2, 2], server.Completions.Select(r => r.Json.GetProperty("id_slot").GetInt32()));
    }

    [Fact]
    public async Task Complete_WarmUpFails_TheCompletionStillGoesUnpinned()
    {
        await using var server = await LlamaServerStandIn.StartAsync();
        server.WarmUpFails = true;
        using var engine = TestBackends.Create(BackendOptions.LlamaServer, server.Url);

        var result = await engine.CompleteAsync(TestBackends.Request(context: "// class A\n"), null, TestContext.Current.CancellationToken).NoHang();

        Assert.Equal(server.Script.Text, result.Text);
        Assert.Single(server.WarmUps);
        Assert.False(Assert.Single(server.Completions).Json.TryGetProperty("id_slot", out _));
    }
}
