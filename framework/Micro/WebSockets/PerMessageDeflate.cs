using System.Buffers;

namespace Micro.WebSockets;

/// <summary>
/// One connection's permessage-deflate (RFC 7692 section 7.2): a message is compressed with a sync flush and sent
/// without the flush's last four bytes (00 00 FF FF); a received one gets them back and is inflated, never past the
/// route's MaxMessageSize (a small message that inflates to gigabytes is refused as it grows). Without context
/// takeover the zlib streams are the reactor thread's own, reset after each message, so a connection holds none.
/// </summary>
internal sealed unsafe class PerMessageDeflate(DeflateParameters parameters, WebSocketCompression options) : IDisposable
{
    private static ReadOnlySpan<byte> FlushTail => [0x00, 0x00, 0xFF, 0xFF];

    [ThreadStatic]
    private static Dictionary<int, nint>? t_deflaters; // by level and window bits: a reactor's streams for connections without context takeover

    [ThreadStatic]
    private static nint t_inflater;

    private Zlib.Stream* _deflater; // only with context takeover
    private Zlib.Stream* _inflater;

    public int MinSize => options.MinSize;

    /// <summary>Compresses <paramref name="payload"/> into a pooled array; returns it and the compressed length (give the array back to ArrayPool).</summary>
    public (byte[] Buffer, int Length) Compress(ReadOnlySpan<byte> payload)
    {
        var stream = Deflater();
        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length + 64);
        var written = 0;
        fixed (byte* input = payload)
        {
            stream->NextIn = input;
            stream->AvailableIn = (uint)payload.Length;
            while (true)
            {
                fixed (byte* output = buffer)
                {
                    stream->NextOut = output + written;
                    stream->AvailableOut = (uint)(buffer.Length - written);
                    var result = Zlib.Deflate(stream, Zlib.SyncFlush);
                    written = buffer.Length - (int)stream->AvailableOut;
                    if (result is not (Zlib.Ok or Zlib.BufferError))
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        throw new InvalidOperationException($"zlib deflate failed ({result}).");
                    }
                }
                if (stream->AvailableOut > 0 && stream->AvailableIn == 0)
                {
                    break; // everything flushed
                }
                buffer = Grow(buffer, written, buffer.Length * 2);
            }
            stream->NextIn = null;
            stream->NextOut = null;
        }
        if (parameters.ServerNoContextTakeover)
        {
            Zlib.DeflateReset(stream);
        }
        // The sync flush ends with an empty stored block, 00 00 FF FF: the receiver adds it back.
        var length = written >= 4 && buffer.AsSpan(written - 4, 4).SequenceEqual(FlushTail) ? written - 4 : written;
        return (buffer, length);
    }

    /// <summary>
    /// Inflates a received message into a pooled array (returns it and the length), or returns null when the data
    /// is not valid deflate (<paramref name="tooLarge"/> false) or would pass <paramref name="maxSize"/> (true).
    /// </summary>
    public (byte[] Buffer, int Length)? Inflate(ReadOnlySpan<byte> compressed, int maxSize, out bool tooLarge)
    {
        tooLarge = false;
        var stream = Inflater();
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(compressed.Length * 4, 256), maxSize + 1));
        var written = 0;
        var ended = false;
        // A sender may end the message with a final block (BFINAL): then the stream is over, and the tail is not fed.
        var ok = Feed(stream, compressed, ref buffer, ref written, maxSize, ref tooLarge, ref ended)
            && (ended || Feed(stream, FlushTail, ref buffer, ref written, maxSize, ref tooLarge, ref ended));
        if (parameters.ClientNoContextTakeover || !ok || ended)
        {
            Zlib.InflateReset(stream);
        }
        if (!ok)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }
        return (buffer, written);
    }

    private static bool Feed(Zlib.Stream* stream, ReadOnlySpan<byte> input, ref byte[] buffer, ref int written, int maxSize, ref bool tooLarge, ref bool ended)
    {
        fixed (byte* source = input)
        {
            stream->NextIn = source;
            stream->AvailableIn = (uint)input.Length;
            while (true)
            {
                int result;
                fixed (byte* output = buffer)
                {
                    stream->NextOut = output + written;
                    stream->AvailableOut = (uint)(buffer.Length - written);
                    result = Zlib.Inflate(stream, Zlib.SyncFlush);
                    written = buffer.Length - (int)stream->AvailableOut;
                }
                stream->NextOut = null;
                if (written > maxSize)
                {
                    tooLarge = true;
                    return false;
                }
                if (result == Zlib.StreamEnd)
                {
                    stream->NextIn = null;
                    ended = true;
                    return stream->AvailableIn == 0; // bytes after the final block are not deflate
                }
                if (result is not (Zlib.Ok or Zlib.BufferError) || (result == Zlib.BufferError && stream->AvailableIn > 0 && stream->AvailableOut > 0))
                {
                    return false; // corrupt data
                }
                if (stream->AvailableIn == 0 && stream->AvailableOut > 0)
                {
                    stream->NextIn = null;
                    return true;
                }
                buffer = Grow(buffer, written, Math.Min(buffer.Length * 2, maxSize + 1));
            }
        }
    }

    private static byte[] Grow(byte[] buffer, int used, int size)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, buffer.Length + 1));
        buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private Zlib.Stream* Deflater()
    {
        if (!parameters.ServerNoContextTakeover)
        {
            return _deflater != null ? _deflater : _deflater = Zlib.NewDeflater(options.Level, parameters.ServerWindowBits);
        }
        var key = (options.Level << 4) | parameters.ServerWindowBits;
        var cache = t_deflaters ??= [];
        if (!cache.TryGetValue(key, out var stream))
        {
            cache[key] = stream = (nint)Zlib.NewDeflater(options.Level, parameters.ServerWindowBits);
        }
        return (Zlib.Stream*)stream;
    }

    private Zlib.Stream* Inflater()
    {
        if (!parameters.ClientNoContextTakeover)
        {
            return _inflater != null ? _inflater : _inflater = Zlib.NewInflater();
        }
        if (t_inflater == 0)
        {
            t_inflater = (nint)Zlib.NewInflater();
        }
        return (Zlib.Stream*)t_inflater;
    }

    /// <summary>Frees the connection's own streams (context takeover); the reactor's shared ones stay for the next.</summary>
    public void Dispose()
    {
        if (_deflater != null)
        {
            Zlib.FreeDeflater(_deflater);
            _deflater = null;
        }
        if (_inflater != null)
        {
            Zlib.FreeInflater(_inflater);
            _inflater = null;
        }
    }
}
