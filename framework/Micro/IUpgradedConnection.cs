using System.Net;

namespace Micro;

/// <summary>
/// The connection an upgraded request (a WebSocket's handshake) now belongs to: what its request still answers once the
/// HTTP exchange it came in has gone back to the pool.
/// </summary>
internal interface IUpgradedConnection
{
    /// <summary>Cancelled when the connection closes.</summary>
    CancellationToken Aborted { get; }

    /// <summary>The client's address.</summary>
    IPEndPoint? RemoteEndPoint { get; }
}
