using System.Buffers.Binary;
using System.Net;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>A socket address (a client's, or a listener's from getsockname) kept as raw bytes (24 bytes inline instead of an IPEndPoint and an IPAddress on the heap per connection).</summary>
internal readonly struct PeerAddress
{
    private readonly ulong _high;
    private readonly ulong _low;
    private readonly uint _scope;
    private readonly ushort _port;
    private readonly bool _ipv6;

    private PeerAddress(ulong high, ulong low, uint scope, ushort port, bool ipv6)
    {
        _high = high;
        _low = low;
        _scope = scope;
        _port = port;
        _ipv6 = ipv6;
    }

    /// <summary>127.0.0.1, port 0: the peer of a connection that has no network address (the in-memory test host's).</summary>
    public static PeerAddress Loopback => new(0, 0x0100007F, 0, 0, ipv6: false);

    /// <summary>Reads a sockaddr_in or sockaddr_in6 as accept4 or getsockname filled it.</summary>
    public static PeerAddress Read(ReadOnlySpan<byte> sockaddr)
    {
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        if (BitConverter.ToUInt16(sockaddr) == Libc.AF_INET)
        {
            return new PeerAddress(0, BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[4..]), 0, port, ipv6: false);
        }
        return new PeerAddress(BinaryPrimitives.ReadUInt64LittleEndian(sockaddr[8..]), BinaryPrimitives.ReadUInt64LittleEndian(sockaddr[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..]), port, ipv6: true);
    }

    public IPEndPoint ToEndPoint()
    {
        if (!_ipv6)
        {
            return new IPEndPoint(new IPAddress((long)_low), _port);
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, _high);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], _low);
        return new IPEndPoint(new IPAddress(bytes, _scope), _port);
    }
}
