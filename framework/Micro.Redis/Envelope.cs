using System.Buffers.Binary;
using Micro.Topics;

namespace Micro.Redis;

/// <summary>
/// A message as it crosses Redis: a version byte, a flags byte (text or binary), the publishing instance's id (so it
/// skips its own, already delivered locally), the publish time (for the latency instrument), then the data. The topic
/// is the channel's.
/// </summary>
internal static class Envelope
{
    private const byte Version = 1;
    private const byte TextFlag = 1;
    public const int HeaderLength = 2 + 16 + 8;

    public static byte[] Wrap(TopicMessage message, Guid instance, DateTimeOffset now)
    {
        var bytes = new byte[HeaderLength + message.Data.Length];
        bytes[0] = Version;
        bytes[1] = message.IsText ? TextFlag : (byte)0;
        instance.TryWriteBytes(bytes.AsSpan(2, 16));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(18, 8), now.UtcTicks);
        message.Data.Span.CopyTo(bytes.AsSpan(HeaderLength));
        return bytes;
    }

    /// <summary>Reads an envelope; false for bytes that are not one (another program publishing on the channel), which are ignored.</summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> bytes, string topic, out Guid instance, out DateTimeOffset published, out TopicMessage? message)
    {
        (instance, published, message) = (default, default, null);
        if (bytes.Length < HeaderLength || bytes[0] != Version || bytes[1] > TextFlag)
        {
            return false;
        }
        instance = new Guid(bytes.Slice(2, 16));
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(18, 8));
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }
        published = new DateTimeOffset(ticks, TimeSpan.Zero);
        var data = bytes[HeaderLength..];
        if (bytes[1] == TextFlag)
        {
            if (!System.Text.Unicode.Utf8.IsValid(data))
            {
                return false;
            }
            message = TopicMessage.Utf8(topic, data);
        }
        else
        {
            message = TopicMessage.Binary(topic, data);
        }
        return true;
    }
}
