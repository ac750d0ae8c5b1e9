using Micro.Http;

namespace Micro;

/// <summary>
/// The request of a connection that switched protocols. A WebSocket handler reads its request for as long as the
/// connection lives, which may be days; keeping the pooled exchange for that would hold about a kilobyte per idle
/// connection (the exchange, its header table sized for any request, its response). So the switch makes a compact copy:
/// the head's bytes and parse, exactly as large as they are, and what middleware put on the request.
/// </summary>
public sealed partial class Request
{
    private byte[] _upgradedHead = [];
    private IUpgradedConnection? _upgradedTo;
    private string? _retired; // why this pooled request can no longer be used: its exchange moved on without it

    /// <summary>An upgraded request's own head; a retired request has none, and says why.</summary>
    private ReadOnlySpan<byte> UpgradedHead => _retired is null ? _upgradedHead : throw new InvalidOperationException(_retired);

    private IUpgradedConnection UpgradedTo => _upgradedTo ?? throw new InvalidOperationException(_retired ?? "This request has no connection.");

    /// <summary>
    /// A handle dies with its exchange: this request's exchange went on to serve another one while code its handler
    /// started may still hold it (see <see cref="Http.IExchangeState"/>). From now on it reads nothing of anyone's.
    /// </summary>
    internal void Retire(string reason)
    {
        _retired = reason;
        _exchange = null;
        _upgradedTo = null;
    }

    /// <summary>
    /// A copy of this request that no longer needs its exchange: called when the switch is made, before the exchange
    /// goes back to the pool. Its body is empty (a handshake has none), and <see cref="Aborted"/> follows the new
    /// connection. Services asked for from the copy come from a scope of its own, disposed when the connection ends.
    /// </summary>
    internal Request CopyForUpgrade(IUpgradedConnection connection)
    {
        var copy = new Request(Params.Count)
        {
            App = App,
            _head = _head.CopyParsed(),
            _upgradedHead = HeadBytes.ToArray(),
            _upgradedTo = connection,
            _scopeFactory = _scopeFactory,
            _json = _json,
            _formLimits = _formLimits,
            _items = _items,         // what middleware decided (the user it authenticated) stays with the connection
            _forwarded = _forwarded,
            _path = _path,
            _method = _method,
            _query = _query,
            _headers = _headers,
            _cookies = _cookies,
        };
        Params.CopyTo(copy.Params);
        return copy;
    }
}
