using LspCopilot.Completion;
using LspCopilot.Engine;
using LspCopilot.TestSupport;

namespace LspCopilot.Server.Tests.Worker;

/// <summary>The model in a real child process: results, streaming, cancellation, stoppers, crashes and restarts.</summary>
public sealed class SupervisedEngineTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Complete_ThroughWorker_SameTextAsInProcess()
    {
        var model = TestModels.Require(TestModels.Fim);
        var request = ChildWorkers.Short();
        using var local = LlamaEngine.Load(new EngineOptions { ModelPath = model }, ServerLog.Silent);
        var expected = await local.CompleteAsync(request, null, TestContext.Current.CancellationToken);
        using var remote = ChildWorkers.Start(model);

        var actual = await remote.CompleteAsync(request, null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Reason, actual.Reason);
        Assert.Equal(expected.Stats.PromptTokens, actual.Stats.PromptTokens);
    }

    [Fact]
    public void Info_ReportsTheWorkersModelFimAndContext()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var local = LlamaEngine.Load(new EngineOptions { ModelPath = model }, ServerLog.Silent);
        using var remote = ChildWorkers.Start(model);

        Assert.Equal(local.ModelName, remote.ModelName);
        Assert.Equal(local.Fim, remote.Fim);
        Assert.Equal(local.ContextSize, remote.ContextSize);
        Assert.NotEqual(Environment.ProcessId, remote.WorkerProcessId);
    }

    [Fact]
    public void Info_ModelWithoutFimTokens_PrefixOnlyLayoutCrossesTheWire()
    {
        using var remote = ChildWorkers.Start(TestModels.Require(TestModels.Stories));

        Assert.Equal(FimLayout.PrefixOnly, remote.Fim);
    }

    [Fact]
    public async Task Complete_StreamsGrowingTextEndingWithTheResult()
    {
        using var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        var texts = new List<string>();

        var result = await remote.CompleteAsync(ChildWorkers.Short(), text => texts.Add(text), TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(texts);
        Assert.Equal(result.Text, texts[^1]);
        Assert.All(texts.Zip(texts.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CountTokens_ABatch_IsTheWorkersExactCountInOneCall()
    {
        var model = TestModels.Require(TestModels.Fim);
        using var local = LlamaEngine.Load(new EngineOptions { ModelPath = model }, ServerLog.Silent);
        using var remote = ChildWorkers.Start(model);
        const string text = "One day Lily went to the park with a red ball, and a big dog barked.";
        var exact = local.CountTokens(text);
        Assert.NotEqual(TokenEstimate.Count(text), exact);

        var counted = await remote.CountTokensAsync([text, "Once upon a time", string.Empty], TestContext.Current.CancellationToken);

        Assert.Equal([exact, local.CountTokens("Once upon a time"), 0], counted);
    }

    [Fact]
    public async Task Stopper_RunsInTheServer_WorkerStopsWhereItSays()
    {
        var model = TestModels.Require(TestModels.Fim);
        var request = ChildWorkers.Endless() with { Stopper = new StopAfter(10) };
        using var local = LlamaEngine.Load(new EngineOptions { ModelPath = model }, ServerLog.Silent);
        var expected = await local.CompleteAsync(request, null, TestContext.Current.CancellationToken);
        using var remote = ChildWorkers.Start(model);

        var actual = await remote.CompleteAsync(request, null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Equal(StopReason.Stopper, actual.Reason);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(10, actual.Text.Length);
    }

    [Fact]
    public async Task CancelMidGeneration_OperationCanceled_WorkerKeepsServing()
    {
        using var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        var pid = remote.WorkerProcessId;
        using var cts = new CancellationTokenSource();

        var cancelled = remote.CompleteAsync(ChildWorkers.Endless(), _ => cts.Cancel(), cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        var next = await remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(next.Text);
        Assert.Equal(pid, remote.WorkerProcessId);
        Assert.Equal(0, remote.Crashes);
    }

    [Fact]
    public async Task WorkerKilledMidGeneration_RequestFailsWithCrashError()
    {
        using var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        var pid = remote.WorkerProcessId!.Value;
        var killed = 0;

        var running = remote.CompleteAsync(ChildWorkers.Endless(), _ =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                ChildWorkers.Kill9(pid);
            }
        }, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<EngineCrashedException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));

        Assert.Contains("signal 9", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.CrashId);
    }

    [Fact]
    public async Task AfterKill_WorkerRestartsAndNextCompletionSucceeds()
    {
        using var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        var first = remote.WorkerProcessId!.Value;
        var killed = 0;
        var running = remote.CompleteAsync(ChildWorkers.Endless(), _ =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                ChildWorkers.Kill9(first);
            }
        }, TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<EngineCrashedException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));

        var next = await remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.NotEmpty(next.Text);
        Assert.Equal(1, remote.Crashes);
        Assert.NotEqual(first, remote.WorkerProcessId);
    }

    [Fact]
    public async Task NativeAbortInWorker_RequestFailsThenNextCompletionSucceeds()
    {
        using var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim), ChildWorkers.AbortingEnvironment);

        var aborted = remote.CompleteAsync(ChildWorkers.Endless("// " + ChildWorkers.AbortMarker + "\n"), null, TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<EngineCrashedException>(() => aborted.WaitAsync(s_guard, TestContext.Current.CancellationToken));
        var next = await remote.CompleteAsync(ChildWorkers.Short(), null, TestContext.Current.CancellationToken).WaitAsync(s_guard, TestContext.Current.CancellationToken);

        Assert.Contains("SIGABRT", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(next.Text);
    }

    [Fact]
    public void WorkerCannotLoadTheModel_ModelLoadExceptionWithItsMessage()
    {
        var missing = Path.Combine(Path.GetTempPath(), "lspcopilot-no-such-model.gguf");

        var error = Assert.Throws<ModelLoadException>(() => ChildWorkers.Start(missing));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerAbortsWhileLoading_ModelLoadExceptionSaysItMayNotFit()
    {
        var model = Path.Combine(Path.GetTempPath(), ChildWorkers.AbortMarker + ".gguf");

        var error = Assert.Throws<ModelLoadException>(() => ChildWorkers.Start(model, ChildWorkers.AbortingEnvironment));

        Assert.Contains("SIGABRT", error.Message, StringComparison.Ordinal);
        Assert.Contains("while loading the model", error.Message, StringComparison.Ordinal);
        Assert.Contains("may not fit in memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_EndsTheWorkerProcess()
    {
        var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        var pid = remote.WorkerProcessId!.Value;

        remote.Dispose();

        Assert.True(ChildWorkers.HasExited(pid));
    }

    [Fact]
    public async Task Dispose_WithARequestRunning_RequestCancelledAtOnce()
    {
        var remote = ChildWorkers.Start(TestModels.Require(TestModels.Fim));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = remote.CompleteAsync(ChildWorkers.Endless(), _ => started.TrySetResult(), TestContext.Current.CancellationToken);
        await started.Task.WaitAsync(s_guard, TestContext.Current.CancellationToken);

        remote.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(s_guard, TestContext.Current.CancellationToken));
    }

    /// <summary>Ends a suggestion once it has <paramref name="length"/> characters.</summary>
    private sealed class StopAfter(int length) : ICompletionStopper
    {
        public int? FindStop(string generated) => generated.Length >= length ? length : null;
    }
}
