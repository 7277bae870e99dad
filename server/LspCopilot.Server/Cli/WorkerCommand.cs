using System.CommandLine;
using System.Net.Sockets;
using LspCopilot.Completion;
using LspCopilot.Engine.Models;
using LspCopilot.Server.Configuration;
using LspCopilot.Server.Hosting;
using LspCopilot.Server.Rpc;
using LspCopilot.Server.Worker;

namespace LspCopilot.Server.Cli;

/// <summary>
/// <c>lspcopilot worker</c>: hosts the model and engine for language servers. With <c>--stdio</c> (what
/// the language server starts) it serves its parent over stdin/stdout and exits when that closes; with
/// <c>--listen HOST:PORT</c> it loads the model once and serves every language server that connects.
/// </summary>
public static class WorkerCommand
{
    public static Command Create(Option<string> logLevel)
    {
        var stdio = new Option<bool>("--stdio") { Description = "Serve one language server over stdin/stdout (the default; the server starts workers this way)." };
        var listen = new Option<string?>("--listen") { Description = "Serve every language server that connects to HOST:PORT (e.g. 127.0.0.1:7000), with one loaded model." };
        var http = new Option<string?>("--http") { Description = "Serve the model over HTTP at [HOST:]PORT for other tools: /v1/completions (suffix honoured), /v1/chat/completions, llama-server's /infill, /v1/models, /health. Off loopback a token is required (Authorization: Bearer)." };
        var tokenFile = new Option<string?>("--token-file") { Description = $"File holding the token clients must present (default: ${AccessToken.EnvironmentVariable}). Required to listen on anything but loopback." };
        var requireGpu = new Option<bool>("--require-gpu") { Description = $"Refuse to start (exit {GpuRequirement.ExitCode}) unless llama.cpp loads a GPU build that sees a GPU, as doctor --require-gpu checks: a GPU deployment never falls back to the CPU." };
        var engineOptions = new EngineCliOptions();
        var command = new Command("worker", "Host the model in its own process for one or more language servers.")
        {
            stdio,
            listen,
            http,
            tokenFile,
            requireGpu,
        };
        engineOptions.AddTo(command);
        command.Validators.Add(result =>
        {
            // --listen and --http may share one loaded model (the container serves both); --stdio is alone.
            if (result.GetValue(stdio) && (result.GetValue(listen) is not null || result.GetValue(http) is not null))
            {
                result.AddError("--stdio serves one language server: use it without --listen and --http.");
            }
        });

        command.SetAction(async (parse, ct) =>
        {
            var log = new ServerLog(ServerLog.Parse(parse.GetValue(logLevel)));
            if (AccessToken.PermissionWarning(parse.GetValue(tokenFile)) is { } tokenWarning)
            {
                log.Warning(tokenWarning);
            }

            if (parse.GetValue(requireGpu) && await GpuProblemAsync(engineOptions.Read(parse, useEnvironment: true), log, ct).ConfigureAwait(false) is { } gpuProblem)
            {
                return await FailAsync(gpuProblem, GpuRequirement.ExitCode).ConfigureAwait(false);
            }

            if (parse.GetValue(http) is { } httpAddress && parse.GetValue(listen) is null)
            {
                return await ServeHttpAsync(httpAddress, parse.GetValue(tokenFile), engineOptions.Read(parse, useEnvironment: true), log, ct).ConfigureAwait(false);
            }

            if (parse.GetValue(listen) is not { } address)
            {
                // A client that names no model (a language server on another machine, over ssh) gets this machine's default.
                EngineOptions CommandLine(EngineOptions given)
                {
                    var options = engineOptions.Overlay(parse, given);
                    return options with { ModelPath = OptionPrecedence.ModelPath(options.ModelPath) };
                }

                return await ServeStdioAsync(new WorkerHost(Composition.InProcess, log, CommandLine, ExitWhenStalled), log, ct).ConfigureAwait(false);
            }

            var rebind = SelfReplacement.Rebind;
            var (bind, endpoint, token, error) = Listening("--listen", address, rebind, parse.GetValue(tokenFile), "listen on {0} without a token", "or listen on 127.0.0.1.");
            if (error is not null)
            {
                return await FailAsync(error, 2).ConfigureAwait(false);
            }

            var options = engineOptions.Read(parse, useEnvironment: false);
            options = options with { ModelPath = OptionPrecedence.ModelPath(options.ModelPath) };
            WorkerEndpoint? listening = null;
            using var host = new WorkerHost(Composition.InProcess, log, onStalled: reason => RestartWhenStalled(() => listening, reason));
            if (SelfReplacement.Restarts > 0)
            {
                log.Warning($"Restarted in place after the engine stalled (restart {SelfReplacement.Restarts}); loading the model again.");
            }

            // With --http as well, /health answers 503 "loading" from the start and the load's outcome after.
            await using var health = parse.GetValue(http) is { } healthAddress
                ? await StartHttpBesideAsync(healthAddress, parse.GetValue(tokenFile), host, options, log, ct).ConfigureAwait(false)
                : null;
            if (parse.GetValue(http) is not null && health is null)
            {
                return 2;
            }

            ICompletionEngine engine;
            try
            {
                engine = await host.LoadAsync(options).ConfigureAwait(false);
            }
            catch (ModelLoadException ex)
            {
                if (health is null)
                {
                    return await FailAsync(ex.Message, 3).ConfigureAwait(false);
                }

                // Keep answering /health with the reason (a container's health check shows it) instead of a restart loop.
                health.State.LoadError = ex.Message;
                log.Error(ex.Message);
                await health.RunAsync(ct).ConfigureAwait(false);
                return 3;
            }

            WorkerListener listener;
            try
            {
                listener = await BindAsync(bind!, host, token, log, retry: rebind is not null).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                return await FailAsync($"Cannot listen on {endpoint}: {ex.Message}", 2).ConfigureAwait(false);
            }

            using (listener)
            {
                listening = new WorkerEndpoint(listener.LocalEndpoint.Address.ToString(), listener.LocalEndpoint.Port);
                // One line on stdout for scripts (the port, when 0 asked for any free one); the log goes to stderr.
                Console.WriteLine($"lspcopilot worker listening on {listener.LocalEndpoint} ({engine.ModelName}{(token is null ? string.Empty : ", token required")})");
                log.Info($"Shared worker ready on {listener.LocalEndpoint}: {engine.ModelName}, {(token is null ? "no token" : "token required")}.");
                await listener.RunAsync(ct).ConfigureAwait(false);
                return 0;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>--http</c>: binds first (so /health answers 503 "loading" while the model loads), then loads the model; a
    /// failed load stays visible in /health. Prints one "listening on http://…" line on stdout for scripts.
    /// </summary>
    private static async Task<int> ServeHttpAsync(string address, string? tokenFile, EngineOptions options, ServerLog log, CancellationToken ct)
    {
        options = options with { ModelPath = OptionPrecedence.ModelPath(options.ModelPath) };
        using var host = new WorkerHost(Composition.InProcess, log, onStalled: ExitWhenStalled);
        if (await StartHttpBesideAsync(address, tokenFile, host, options, log, ct).ConfigureAwait(false) is not { } service)
        {
            return 2;
        }

        await using (service.ConfigureAwait(false))
        {
            log.Info($"HTTP worker on {service.LocalEndpoint}: loading {options.ModelPath ?? "(no model configured)"}…");
            try
            {
                var engine = await host.LoadAsync(options).ConfigureAwait(false);
                log.Info($"HTTP worker ready: {engine.ModelName}.");
            }
            catch (ModelLoadException ex)
            {
                service.State.LoadError = ex.Message;
                log.Error(ex.Message);
            }

            await service.RunAsync(ct).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>
    /// The HTTP service on <paramref name="host"/>'s engine, bound before the model loads ("PORT" alone means loopback);
    /// null, after saying why on stderr, when it cannot start.
    /// </summary>
    private static async Task<Worker.Http.WorkerHttpService?> StartHttpBesideAsync(string address, string? tokenFile, WorkerHost host, EngineOptions options, ServerLog log, CancellationToken ct)
    {
        var text = address.Contains(':', StringComparison.Ordinal) ? address : "127.0.0.1:" + address;
        var (bind, endpoint, token, error) = Listening("--http", text, rebind: null, tokenFile, "serve HTTP on {0} without a token", "clients send 'Authorization: Bearer TOKEN'. Or listen on 127.0.0.1.");
        if (error is not null)
        {
            await FailAsync(error, 2).ConfigureAwait(false);
            return null;
        }

        try
        {
            var service = await Worker.Http.WorkerHttpService.StartAsync(bind!, () => host.Engine, token, TimeSpan.FromSeconds(options.StallTimeoutSeconds), log, ct).ConfigureAwait(false);
            Console.WriteLine($"lspcopilot worker listening on http://{new WorkerEndpoint(service.LocalEndpoint.Address.ToString(), service.LocalEndpoint.Port)}{(token is null ? string.Empty : " (token required)")}");
            return service;
        }
        catch (IOException ex)
        {
            await FailAsync($"Cannot listen on {endpoint}: {ex.Message}", 2).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>--require-gpu: what doctor --require-gpu would say, for the same options (null when a GPU build sees a GPU).</summary>
    private static async Task<string?> GpuProblemAsync(EngineOptions options, ServerLog log, CancellationToken ct)
    {
        var report = await DoctorCommand.DiagnoseAsync(options, cacheDir: null, new GpuProbe(), log, ct).ConfigureAwait(false);
        var problem = GpuRequirement.Problem(report.Native, report.Gpus);
        if (problem is null)
        {
            log.Info("GPU required and present: " + GpuRequirement.Describe(report.Native));
        }

        return problem;
    }

    /// <summary>
    /// The address to bind for <paramref name="option"/> (<paramref name="rebind"/> after a restart in place) and the
    /// token; a token is required off loopback. <c>Error</c> says what is wrong (and <paramref name="refusing"/>, with
    /// the address for {0}, and <paramref name="orElse"/> word the refusal without a token).
    /// </summary>
    private static (System.Net.IPEndPoint? Bind, WorkerEndpoint? Endpoint, string? Token, string? Error) Listening(string option, string address, WorkerEndpoint? rebind, string? tokenFile, string refusing, string orElse)
    {
        if (!WorkerEndpoint.TryParse(address, out var endpoint, out var error) || !(rebind ?? endpoint!).TryGetBindAddress(out var bind, out error))
        {
            return (null, null, null, $"{option}: {error}");
        }

        if (!AccessToken.TryResolve(tokenFile, out var token, out error))
        {
            return (null, null, null, error);
        }

        if (token is null && !endpoint!.IsLoopback)
        {
            return (null, null, null,
                $"Refusing to {string.Format(System.Globalization.CultureInfo.InvariantCulture, refusing, endpoint)}: anyone who can reach it could use the model. Put a secret in a file and pass --token-file FILE (or set {AccessToken.EnvironmentVariable}); {orElse}");
        }

        return (bind, endpoint, token, null);
    }

    private static async Task<int> ServeStdioAsync(WorkerHost host, ServerLog log, CancellationToken ct)
    {
        var (input, output) = StdioStreams.Acquire();
        _ = MemoryLog.RunAsync(log, ct);
        try
        {
            await WorkerSession.RunAsync(host, output, new ParentPipeStream(input), log, ct).ConfigureAwait(false);
        }
        finally
        {
            // The parent is gone or asked us to stop: release the model, but never hang on the way out.
            try
            {
                await Task.Run(host.Dispose, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                log.Warning("The engine did not stop within 5 s; exiting anyway.");
            }
        }

        return 0;
    }

    /// <summary>
    /// Binds the listener. After a restart in place the old process's socket is gone with its image, but give
    /// the port a few seconds in case the system holds it a moment longer.
    /// </summary>
    private static async Task<WorkerListener> BindAsync(System.Net.IPEndPoint bind, WorkerHost host, string? token, ServerLog log, bool retry)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(retry ? 10 : 0);
        while (true)
        {
            try
            {
                return WorkerListener.Bind(bind, host, token, log);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> FailAsync(string message, int exitCode)
    {
        await Console.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>Exit code of a worker that stopped because its engine stalled (sysexits' EX_SOFTWARE).</summary>
    public const int StalledExitCode = 70;

    /// <summary>
    /// A shared worker whose engine is stuck restarts itself in place (<see cref="SelfReplacement"/>: same
    /// process id, same port; its clients' connections close and they reconnect), after the failed request's
    /// answer is written. Where that cannot be done it exits, for its service manager to start a fresh one.
    /// </summary>
    private static void RestartWhenStalled(Func<WorkerEndpoint?> listening, string reason) =>
        _ = Task.Run(async () =>
        {
            await Console.Error.WriteLineAsync($"lspcopilot worker: restarting in place (same process and port) so that a fresh engine replaces the stuck one: {reason}").ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            if (listening() is { } endpoint)
            {
                var failure = SelfReplacement.Replace(endpoint);
                await Console.Error.WriteLineAsync($"lspcopilot worker: could not restart in place ({failure}); exiting ({StalledExitCode}) so that the service manager starts a fresh worker.").ConfigureAwait(false);
            }

            Environment.Exit(StalledExitCode);
        });

    /// <summary>
    /// A stuck native call cannot be cancelled: a worker the language server started exits (after the failed
    /// request's answer is written) so that the language server starts a fresh one.
    /// </summary>
    private static void ExitWhenStalled(string reason) =>
        _ = Task.Run(async () =>
        {
            await Console.Error.WriteLineAsync($"lspcopilot worker: exiting ({StalledExitCode}) so that a fresh worker replaces this one: {reason}").ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            Environment.Exit(StalledExitCode);
        });
}
