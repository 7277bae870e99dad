using LspCopilot.Completion;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// Orders one session's work as it arrived. Document notifications (didOpen, didChange, didClose) are
/// applied one at a time, each after everything queued before it; a document request gets its
/// <see cref="RequestContext"/> — its snapshot — only after every earlier notification was applied,
/// then runs concurrently with later work. So what a request sees depends on the order of arrival,
/// never on where a handler's first <c>await</c> falls. Handlers enqueue before anything else (the
/// connection dispatches them in arrival order, see <see cref="LspServer"/>).
/// <para>
/// Newest keystroke wins here, and only here: a request supersedes the previous request for the same
/// document (that one ends Cancelled), and an edit of a document cancels its request in flight (that
/// one ends ContentModified: its answer would apply to text that no longer exists).
/// </para>
/// </summary>
public sealed class RequestQueue
{
    private readonly object _lock = new();
    private readonly Dictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private Task _tail = Task.CompletedTask;

    /// <summary>Applies a document notification after everything queued before it; edits of <paramref name="uri"/> cancel its request in flight.</summary>
    public Task EnqueueChange(string uri, Action apply)
    {
        lock (_lock)
        {
            _tail = Then(_tail, () =>
            {
                CancelInFlight(uri, byEdit: true);
                apply();
            });
            return _tail;
        }
    }

    /// <summary>
    /// The context of a request for <paramref name="uri"/>, once every earlier notification was applied;
    /// null when the document is not open then. It supersedes the previous request for the document.
    /// </summary>
    public Task<RequestContext?> EnqueueRequest(string uri, Func<DocumentSnapshot?> snapshot, Func<DocumentSnapshot, InFlight, RequestContext> create, CancellationToken requestToken)
    {
        lock (_lock)
        {
            var context = Then(_tail, () => snapshot() is { } document ? create(document, Begin(uri, requestToken)) : null);
            _tail = context;
            return context;
        }
    }

    /// <summary>Cancels every request in flight (shutdown, connection lost).</summary>
    public void CancelAll()
    {
        lock (_lock)
        {
            foreach (var request in _inFlight.Values)
            {
                request.Cancel(byEdit: false);
            }
        }
    }

    private InFlight Begin(string uri, CancellationToken requestToken)
    {
        var request = new InFlight(this, uri, requestToken);
        lock (_lock)
        {
            if (_inFlight.TryGetValue(uri, out var previous))
            {
                previous.Cancel(byEdit: false);
            }

            _inFlight[uri] = request;
        }

        return request;
    }

    private void CancelInFlight(string uri, bool byEdit)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(uri, out var request))
            {
                request.Cancel(byEdit);
            }
        }
    }

    private void End(InFlight request)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(request.Uri, out var current) && ReferenceEquals(current, request))
            {
                _inFlight.Remove(request.Uri);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> after <paramref name="previous"/>: at once when nothing waits (the usual case), else as its continuation.</summary>
    private static Task<T> Then<T>(Task previous, Func<T> work)
    {
        if (previous.IsCompleted)
        {
            try
            {
                return Task.FromResult(work());
            }
            catch (Exception ex)
            {
                return Task.FromException<T>(ex);
            }
        }

        return previous.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private static Task Then(Task previous, Action work) => Then<bool>(previous, () =>
    {
        work();
        return true;
    });

    /// <summary>One request in flight for a document: its cancellation and why it was cancelled.</summary>
    public sealed class InFlight : IDisposable
    {
        private readonly RequestQueue _owner;
        private readonly CancellationTokenSource _cts;
        private volatile bool _byEdit;

        internal InFlight(RequestQueue owner, string uri, CancellationToken requestToken)
        {
            _owner = owner;
            Uri = uri;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(requestToken);
            Token = _cts.Token;
        }

        public string Uri { get; }

        public CancellationToken Token { get; }

        public bool ByEdit => _byEdit;

        internal void Cancel(bool byEdit)
        {
            if (byEdit && !Token.IsCancellationRequested)
            {
                _byEdit = true;
            }

            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _owner.End(this);
            _cts.Dispose();
        }
    }
}
