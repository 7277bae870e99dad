using StreamJsonRpc;

namespace LspCopilot.TestSupport;

public static class RpcAssert
{
    /// <summary>Awaits a request that must fail and returns the JSON-RPC error code the server sent.</summary>
    public static async Task<int> ErrorCodeAsync(Func<Task> request)
    {
        var error = await Assert.ThrowsAnyAsync<RemoteRpcException>(request);
        return error switch
        {
            RemoteInvocationException invocation => invocation.ErrorCode,
            RemoteMethodNotFoundException notFound => (int)notFound.ErrorCode,
            _ => throw new Xunit.Sdk.XunitException($"Unexpected {error.GetType().Name}: {error.Message}"),
        };
    }
}
