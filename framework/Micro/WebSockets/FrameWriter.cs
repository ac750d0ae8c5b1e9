using System.Buffers;
using System.Buffers.Binary;

namespace Micro.WebSockets;

/// <summary>Writes the server's frames: never masked (RFC 6455 section 5.1), the shortest length encoding.</summary>
internal static class FrameWriter
{
    /// <summary>The longest header a server frame has: 2 bytes and an 8-byte length.</summary>
    public const int MaxHeaderLength = 10;

    public static int HeaderLength(long payloadLength) => payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes a frame's header into <paramref name="destination"/> and returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, WebSocketOpcode opcode, bool fin, long payloadLength, bool compressed = false)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | (byte)opcode);
        if (payloadLength <= 125)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>Writes a whole frame, header and payload.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool compressed = false)
    {
        var header = output.GetSpan(MaxHeaderLength);
        output.Advance(WriteHeader(header, opcode, fin: true, payload.Length, compressed));
        output.Write(payload);
    }

    /// <summary>A whole frame in a new array: built once, then copied to every subscriber of a topic.</summary>
    public static byte[] Frame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool compressed = false)
    {
        var frame = new byte[HeaderLength(payload.Length) + payload.Length];
        var header = WriteHeader(frame, opcode, fin: true, payload.Length, compressed);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary>A Close frame's payload: the code, then the reason in UTF-8, cut to fit the 125-byte limit.</summary>
    public static int ClosePayload(Span<byte> destination, ushort code, string? reason)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, code);
        if (string.IsNullOrEmpty(reason))
        {
            return 2;
        }
        var length = System.Text.Encoding.UTF8.GetByteCount(reason);
        if (length > 123)
        {
            throw new ArgumentException($"A close reason takes at most 123 bytes in UTF-8; this one takes {length}.", nameof(reason));
        }
        return 2 + System.Text.Encoding.UTF8.GetBytes(reason, destination[2..]);
    }
}
