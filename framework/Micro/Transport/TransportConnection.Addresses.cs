using System.Net;

namespace Micro.Transport;

/// <summary>The connection's two addresses: the client's, kept from accept, and the one it connected to, asked of the kernel.</summary>
internal sealed partial class TransportConnection
{
    private IPEndPoint? _remoteEndPoint;

    /// <summary>
    /// The client's address, built when first asked for (most requests never ask) and kept for the connection's
    /// other requests: middleware that looks at it on every request (forwarded headers, per-client limits) pays once.
    /// </summary>
    public IPEndPoint RemoteEndPoint => _remoteEndPoint ??= _peer.ToEndPoint();

    /// <summary>The address the client connected to, from getsockname when first asked for (null once closed).</summary>
    public unsafe IPEndPoint? LocalEndPoint
    {
        get
        {
            if (IsClosed)
            {
                return null;
            }
            var name = stackalloc byte[Interop.SocketAddresses.MaxLength];
            var length = (uint)Interop.SocketAddresses.MaxLength;
            // A socketpair (the in-memory test host) has no network address.
            return Interop.Libc.GetSockName(Fd, name, &length) == 0 && *(ushort*)name is Interop.Libc.AF_INET or Interop.Libc.AF_INET6
                ? PeerAddress.Read(new ReadOnlySpan<byte>(name, (int)length)).ToEndPoint()
                : null;
        }
    }
}
