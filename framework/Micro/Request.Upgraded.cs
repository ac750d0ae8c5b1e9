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
    /// <summary>An upgraded request's own head; a retired request has none, and says why.</summary>
    private ReadOnlySpan<byte> UpgradedHead => _retired is null ? _upgradedHead : throw new InvalidOperationException(_retired);

    private IUpgradedConnection UpgradedTo => _upgradedTo ?? throw new InvalidOperationException(_retired ?? "This request has no connection.");

    /// <summary>
    /// A copy of this request that no longer needs its exchange: called when the switch is made, before the exchange
    /// goes back to the pool. Its body is empty (a handshake has none), and <see cref="Aborted"/> follows the new
    /// connection. Services asked for from the copy come from a scope of its own, disposed when the connection ends.
    /// </summary>
    internal Request CopyForUpgrade(IUpgradedConnection connection)
    {
        return new Request(this, connection);
    }
}
