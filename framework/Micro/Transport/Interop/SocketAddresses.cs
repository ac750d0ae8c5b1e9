using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Micro.Transport.Interop;

/// <summary>sockaddr_in and sockaddr_in6 to and from <see cref="IPEndPoint"/>.</summary>
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

    /// <summary>Reads a sockaddr_in or sockaddr_in6.</summary>
    public static IPEndPoint Read(ReadOnlySpan<byte> source)
    {
        var family = BitConverter.ToUInt16(source);
        var port = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        return family == Libc.AF_INET
            ? new IPEndPoint(new IPAddress(source[4..8]), port)
            : new IPEndPoint(new IPAddress(source[8..24], BinaryPrimitives.ReadUInt32LittleEndian(source[24..])), port);
    }
}
