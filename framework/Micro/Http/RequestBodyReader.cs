using System.Buffers;
using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// Reads one request body at a time from a connection's bytes, by Content-Length or chunked: buffered whole (lent in
/// place when it arrived in one piece, else growing with what arrives) or written to a streaming handler's
/// <see cref="RequestBodyPipe"/>. Keeps the client's data-rate clock for the body. One per connection, made for its
/// first body, so an idle connection holds nothing of it.
/// </summary>
internal sealed class RequestBodyReader(HttpServerOptions options)
{
    private ChunkedDecoder? _chunked;
    private long _remaining;
    private byte[]? _buffer;
    private int _length;
    private long _streamedLength;
    private long _clockStartedAt;
    private long _bytesOnClock;
    private long _bytesSinceStart; // what the clock counted before its restarts: HasBegun outlives them

    /// <summary>Bytes of a Content-Length body still to come; -1 for a chunked body.</summary>
    public long Remaining => _remaining;

    /// <summary>Whether any byte of this body (framing included) has arrived.</summary>
    public bool HasBegun => _bytesSinceStart + _bytesOnClock > 0;

    /// <summary>The trailer fields of a chunked body that is complete (as the parser kept them); empty for any other.</summary>
    public ReadOnlySpan<byte> Trailers => _remaining < 0 && _chunked is { IsComplete: true } chunked ? chunked.Trailers : default;

    /// <summary>What was wrong with a body that is <see cref="BodyProgress.Malformed"/>.</summary>
    public ParseError Error => _chunked?.Error ?? ParseError.None;

    /// <summary>The largest body this request may have (the server's, or its route's).</summary>
    private long _limit;

    /// <summary>Gets ready for the body of <paramref name="head"/>, at most <paramref name="limit"/> bytes (the server's limit when null); its data-rate clock starts at <paramref name="now"/>.</summary>
    public void Start(RequestHead head, long now, long? limit = null)
    {
        _limit = limit ?? options.MaxRequestBodySize;
        ReleaseBuffer();
        _streamedLength = 0;
        RestartClock(now);
        _bytesSinceStart = 0;
        if (head.Framing == BodyFraming.Chunked)
        {
            (_chunked ??= new ChunkedDecoder(options.ParserLimits)).Reset();
            _remaining = -1;
        }
        else
        {
            _remaining = head.ContentLength;
        }
    }

    /// <summary>
    /// Buffers body bytes from <paramref name="buffer"/>[<paramref name="offset"/>..<paramref name="length"/>]; once
    /// <see cref="BodyProgress.Complete"/>, <paramref name="body"/> holds it (lent in place, or owned).
    /// </summary>
    public BodyProgress Buffer(byte[] buffer, int offset, int length, out int consumed, out ReceivedBytes body)
    {
        body = default;
        var available = length - offset;
        if (_remaining >= 0)
        {
            if (_buffer is null && available >= _remaining)
            {
                // The whole body is here: lent to the handler without a copy.
                consumed = (int)_remaining;
                body = ReceivedBytes.Borrow(buffer, offset, consumed);
                _bytesOnClock += consumed;
                _remaining = 0;
                return BodyProgress.Complete;
            }
            if (_buffer is null && _remaining > Array.MaxLength)
            {
                // A buffered body is one array: past its largest size, refuse rather than overflow (the limit can be raised past it).
                consumed = available;
                return BodyProgress.TooLarge;
            }
            var take = (int)Math.Min(available, _remaining);
            // The buffer grows with what arrives, never to the declared length at the first byte: a client that
            // declares 30 MB and sends one byte holds a few KiB, not 32 MiB.
            Append(buffer.AsSpan(offset, take), mostItCanBe: _length + _remaining);
            _remaining -= take;
            _bytesOnClock += take;
            consumed = take;
            return _remaining == 0 ? Finish(out body) : BodyProgress.NeedMore;
        }

        var limit = Math.Min(_limit, Array.MaxLength);
        consumed = 0;
        while (true)
        {
            var result = _chunked!.Decode(buffer.AsSpan(offset + consumed, available - consumed), out var used, out var data);
            if (result == ChunkedDecodeStatus.Data)
            {
                if (_length + (long)data.Length > limit)
                {
                    consumed = available;
                    return BodyProgress.TooLarge;
                }
                Append(buffer.AsSpan(offset + consumed + data.Offset, data.Length), mostItCanBe: limit);
            }
            consumed += used;
            _bytesOnClock += used;
            switch (result)
            {
                case ChunkedDecodeStatus.Completed:
                    return Finish(out body);
                case ChunkedDecodeStatus.NeedMoreData:
                    return BodyProgress.NeedMore;
                case ChunkedDecodeStatus.Error:
                    consumed = available;
                    return BodyProgress.Malformed;
            }
        }
    }

    /// <summary>Writes body bytes into <paramref name="pipe"/>, as many as it has room for; completes the pipe at the body's end.</summary>
    public BodyProgress Stream(byte[] buffer, int offset, int length, RequestBodyPipe pipe, out int consumed)
    {
        var available = length - offset;
        if (_remaining >= 0)
        {
            var offered = (int)Math.Min(available, _remaining);
            consumed = pipe.Write(buffer.AsSpan(offset, offered));
            _remaining -= consumed;
            _bytesOnClock += consumed;
            if (_remaining == 0)
            {
                pipe.Complete();
                return BodyProgress.Complete;
            }
            return consumed < offered ? BodyProgress.ReaderFull : BodyProgress.NeedMore;
        }

        consumed = 0;
        while (true)
        {
            // The decoder sees no more input than the pipe has room for, so every piece of data it returns fits.
            var room = pipe.RoomOrWait();
            if (room == 0)
            {
                return BodyProgress.ReaderFull;
            }
            var input = buffer.AsSpan(offset + consumed, Math.Min(available - consumed, room));
            var result = _chunked!.Decode(input, out var used, out var data);
            if (result == ChunkedDecodeStatus.Data)
            {
                _streamedLength += data.Length; // a long: a streamed body may pass 2 GiB when the limit allows
                if (_streamedLength > _limit)
                {
                    consumed = available;
                    return BodyProgress.TooLarge;
                }
                pipe.Write(input.Slice(data.Offset, data.Length));
            }
            consumed += used;
            _bytesOnClock += used;
            switch (result)
            {
                case ChunkedDecodeStatus.Completed:
                    pipe.Complete(_chunked.Trailers);
                    return BodyProgress.Complete;
                case ChunkedDecodeStatus.NeedMoreData when consumed >= available:
                    return BodyProgress.NeedMore;
                case ChunkedDecodeStatus.Error:
                    consumed = available;
                    return BodyProgress.Malformed;
            }
        }
    }

    /// <summary>The client's clock starts again (the time just past was the server's, such as a handler reading slowly).</summary>
    public void RestartClock(long now)
    {
        _bytesSinceStart += _bytesOnClock;
        _clockStartedAt = now;
        _bytesOnClock = 0;
    }

    /// <summary>Time the server held the client back does not count against it: the clock stands still for it.</summary>
    public void HoldClock(long milliseconds) => _clockStartedAt += milliseconds;

    /// <summary>True when the body arrives slower than <paramref name="rate"/> (the server's, or its request's own).</summary>
    public bool ArrivesTooSlowly(long now, DataRate rate) => rate.IsTooSlow(_bytesOnClock, now - _clockStartedAt);

    /// <summary>Gives back what a body being buffered holds (the connection closed, or the body was refused).</summary>
    public void ReleaseBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _length = 0;
    }

    private BodyProgress Finish(out ReceivedBytes body)
    {
        body = _buffer is null ? default : ReceivedBytes.Own(_buffer, _length);
        _buffer = null;
        _length = 0;
        return BodyProgress.Complete;
    }

    /// <summary>Appends body bytes, doubling the buffer as needed but never past <paramref name="mostItCanBe"/>.</summary>
    private void Append(ReadOnlySpan<byte> data, long mostItCanBe)
    {
        if (_buffer is null || _length + data.Length > _buffer.Length)
        {
            var doubled = Math.Min((long)(_buffer?.Length ?? 4096) * 2, mostItCanBe);
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Max(_length + data.Length, doubled));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = bigger;
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }
}
