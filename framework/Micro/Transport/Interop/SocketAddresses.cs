using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Micro.Transport.Interop;

/// <summary>Writes an <see cref="IPEndPoint"/> as sockaddr_in or sockaddr_in6 (reading one back is <see cref="PeerAddress.Read"/>).</summary>
internal static class SocketAddresses
{
    public const int MaxLength = 28;

    /// <summary>Writes <paramref name="endPoint"/> as a sockaddr into <paramref name="destination"/>; returns its length.</summary>
    public static int Write(IPEndPoint endPoint, Span<byte> destination)
    {
        destination[..MaxLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(destination, (ushort)Libc.AF_INET);
            endPoint.Address.TryWriteBytes(destination[4..8], out _);
            return 16;
        }
        BitConverter.TryWriteBytes(destination, (ushort)Libc.AF_INET6);
        endPoint.Address.TryWriteBytes(destination[8..24], out _);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)endPoint.Address.ScopeId);
        return 28;
    }
}
