using LspCopilot.Completion;

namespace LspCopilot.Server.Rpc;

/// <summary>
/// Orders one session's work as it arrived. Document notifications (didOpen, didChange, didClose) are
/// applied one at a time under the queue's lock; a document request takes its
/// <see cref="RequestContext"/> — its snapshot — under the same lock, so it sees every notification
/// that arrived before it and none after, then runs concurrently with later work. What a request sees
/// depends on the order of arrival, never on where a handler's first <c>await</c> falls: handlers call
/// the queue before anything else, and the connection dispatches them in arrival order (see
/// <see cref="LspServer"/>).
/// <para>
/// Newest keystroke wins here, and only here: a request supersedes the previous request for the same
/// document (that one ends Cancelled), and an edit of a document cancels its request in flight (that
/// one ends ContentModified: its answer would apply to text that no longer exists). Code actions and
/// explanations are side requests (<see cref="BeginSideRequest"/>): they take their snapshot the same way but
/// supersede nothing, so a lightbulb or an explanation never cancels ghost text, nor the other way round.
/// </para>
/// </summary>
public sealed class RequestQueue
{
    private readonly object _lock = new();
    private readonly Dictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<InFlight> _side = [];

    /// <summary>Applies a document notification after everything queued before it; edits of <paramref name="uri"/> cancel its request in flight.</summary>
    public void ApplyChange(string uri, Action apply)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(uri, out var request))
            {
                request.Cancel(byEdit: true);
            }

            foreach (var side in _side)
            {
                if (side.CancelOnEdit && side.Uri == uri)
                {
                    side.Cancel(byEdit: true);
                }
            }

            apply();
        }
    }

    /// <summary>
    /// The context of a request for <paramref name="uri"/>, with the document as every earlier
    /// notification left it; null when the document is not open. It supersedes the previous request
    /// for the document.
    /// </summary>
    public RequestContext? BeginRequest(string uri, Func<DocumentSnapshot?> snapshot, Func<DocumentSnapshot, InFlight, RequestContext> create, CancellationToken requestToken)
    {
        lock (_lock)
        {
            if (snapshot() is not { } document)
            {
                return null;
            }

            if (_inFlight.TryGetValue(uri, out var previous))
            {
                previous.Cancel(byEdit: false);
            }

            var request = new InFlight(this, uri, requestToken);
            _inFlight[uri] = request;
            return create(document, request);
        }
    }

    /// <summary>
    /// The context of a request that neither supersedes nor is superseded by others for the document (code
    /// actions, explanations: they run beside ghost text, not instead of it); an edit of the document cancels
    /// it when <paramref name="cancelOnEdit"/> (its answer would be about text that no longer exists). Null when
    /// the document is not open.
    /// </summary>
    public RequestContext? BeginSideRequest(string uri, Func<DocumentSnapshot?> snapshot, Func<DocumentSnapshot, InFlight, RequestContext> create, bool cancelOnEdit, CancellationToken requestToken)
    {
        lock (_lock)
        {
            if (snapshot() is not { } document)
            {
                return null;
            }

            var request = new InFlight(this, uri, requestToken) { Side = true, CancelOnEdit = cancelOnEdit };
            _side.Add(request);
            return create(document, request);
        }
    }

    /// <summary>Cancels every request in flight (shutdown, connection lost).</summary>
    public void CancelAll()
    {
        lock (_lock)
        {
            foreach (var request in _inFlight.Values.Concat(_side))
            {
                request.Cancel(byEdit: false);
            }
        }
    }

    private void End(InFlight request)
    {
        lock (_lock)
        {
            if (request.Side)
            {
                _side.Remove(request);
            }
            else if (_inFlight.TryGetValue(request.Uri, out var current) && ReferenceEquals(current, request))
            {
                _inFlight.Remove(request.Uri);
            }
        }
    }

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

        /// <summary>Begun with <see cref="BeginSideRequest"/>: supersedes nothing.</summary>
        internal bool Side { get; init; }

        internal bool CancelOnEdit { get; init; } = true;

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
