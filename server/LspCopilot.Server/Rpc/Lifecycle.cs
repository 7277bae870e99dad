namespace LspCopilot.Server.Rpc;

public enum LifecycleState
{
    Created,
    Initialized,
    ShutDown,
}

/// <summary>The LSP lifecycle, which StreamJsonRpc does not enforce: checked by every handler.</summary>
public sealed class Lifecycle
{
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    public LifecycleState State => (LifecycleState)Volatile.Read(ref _state);

    /// <summary>Completes with the process exit code when the client sends 'exit'.</summary>
    public Task<int> ExitCode => _exit.Task;

    /// <summary>For requests: throws -32002 before initialize and -32600 after shutdown.</summary>
    public void EnsureRunning()
    {
        switch (State)
        {
            case LifecycleState.Created:
                throw RpcErrors.NotInitialized();
            case LifecycleState.ShutDown:
                throw RpcErrors.ShutDown();
        }
    }

    /// <summary>For notifications: false when they must be dropped.</summary>
    public bool AcceptsNotifications => State == LifecycleState.Initialized;

    /// <summary>Returns false when initialize was already received.</summary>
    public bool TryInitialize()
    {
        if (State == LifecycleState.ShutDown)
        {
            throw RpcErrors.ShutDown();
        }

        return Interlocked.CompareExchange(ref _state, (int)LifecycleState.Initialized, (int)LifecycleState.Created) == (int)LifecycleState.Created;
    }

    public void Shutdown()
    {
        if (State == LifecycleState.Created)
        {
            throw RpcErrors.NotInitialized();
        }

        Volatile.Write(ref _state, (int)LifecycleState.ShutDown);
    }

    public void Exit() => _exit.TrySetResult(State == LifecycleState.ShutDown ? 0 : 1);
}
