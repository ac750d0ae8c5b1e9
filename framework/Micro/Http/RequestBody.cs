using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;

namespace Micro.Http;

/// <summary>
/// The body an exchange's request carries, of one of two kinds (as Kestrel has one type per message-body kind):
/// buffered whole, its bytes borrowed from the receive buffer or owned; or streamed while it arrives, through a
/// bounded <see cref="RequestBodyPipe"/>. A middleware may put a stream of its own in the body's place (one that
/// decompresses it, or that buffered it to be read twice): the body is then read from that. Reused with its exchange.
/// </summary>
internal sealed class RequestBody
{
    private ReceivedBytes _bytes;
    private int _read;
    private RequestBodyPipe? _pipe;
    private byte[]? _bufferedTrailers; // a buffered chunked body's trailer section (a streamed one's pipe holds its own)
    private Stream? _replacement; // a middleware's stream in the body's place; its owner disposes it
    private bool _readFrom; // a streamed body's bytes were asked for: what is left of it is not the whole body

    public bool IsStreamed => _pipe is not null || _replacement is not null;

    /// <summary>Whether a streamed body was read from: a reader that wants the whole body would get only the rest.</summary>
    public bool WasReadFrom => _readFrom && IsStreamed;

    /// <summary>A chunked body's trailer fields once it is whole (whole "name:value\r\n" lines); empty before, and when it had none.</summary>
    public ReadOnlyMemory<byte> Trailers => _pipe is { } pipe ? pipe.Trailers : _bufferedTrailers;

    /// <summary>Whether all of the body has arrived: a buffered one always, a streamed one once its pipe is complete.</summary>
    public bool IsWhole => _replacement is null && _pipe is not { IsCompleted: false };

    /// <summary>The buffered body; lent bytes are valid only while the handler runs synchronously.</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ThrowIfStreamed();
            return _bytes.Span;
        }
    }

    /// <summary>The buffered body as memory, which outlives awaits: lent bytes are copied once, here.</summary>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            ThrowIfStreamed();
            _bytes.EnsureOwned();
            return _bytes.Memory;
        }
    }

    /// <summary>A read-only stream: over the buffered bytes (owned first: it is read after awaits), or reading a streamed body as it arrives.</summary>
    public Stream Open()
    {
        if (_replacement is not null)
        {
            return _replacement;
        }
        if (_pipe is not null)
        {
            return new RequestBodyStream(this);
        }
        _bytes.EnsureOwned();
        return MemoryMarshal.TryGetArray(_bytes.Memory, out var bytes) && bytes.Array is not null
            ? new MemoryStream(bytes.Array, bytes.Offset, bytes.Count, writable: false)
            : new MemoryStream([], writable: false);
    }

    /// <summary>The next bytes into <paramref name="destination"/>; 0 at the end. A streamed body waits for the client.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (IsStreamed)
        {
            _readFrom |= !destination.IsEmpty;
            return _replacement is not null ? _replacement.ReadAsync(destination, cancellationToken) : _pipe!.ReadAsync(destination, cancellationToken);
        }
        var remaining = _bytes.Span[_read..];
        var count = Math.Min(remaining.Length, destination.Length);
        remaining[..count].CopyTo(destination.Span);
        _read += count;
        return new ValueTask<int>(count);
    }

    /// <summary>
    /// The part of a buffered body not read yet, in place (owned first: it is held across awaits), for a reader that
    /// takes it without a copy; false for a streamed body. <see cref="Skip"/> says how much was taken.
    /// </summary>
    public bool TryPeek(out ReadOnlyMemory<byte> rest)
    {
        if (IsStreamed)
        {
            rest = default;
            return false;
        }
        _bytes.EnsureOwned();
        rest = _bytes.Memory[_read..];
        return true;
    }

    /// <summary>Marks <paramref name="count"/> bytes of a buffered body read (after <see cref="TryPeek"/>).</summary>
    public void Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _bytes.Length - _read);
        _read += count;
    }

    /// <summary>Buffers a streamed body whole, up to <paramref name="limit"/> bytes (413 past it); then it is a buffered body.</summary>
    public async ValueTask ReadWholeAsync(long limit)
    {
        if (!IsStreamed)
        {
            return;
        }
        limit = Math.Min(limit, Array.MaxLength); // one array holds it
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await ReadAsync(buffer.AsMemory(length), default).ConfigureAwait(true);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limit)
                {
                    throw new BadHttpRequestException($"The request body is larger than the limit of {limit} bytes.", 413);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        SetBuffered(ReceivedBytes.Own(buffer, length), Trailers.Span);
    }

    /// <summary>
    /// A middleware's stream in the body's place: reads, the stream and a whole read (<see cref="ReadWholeAsync"/>)
    /// take the body from it from now on. A streamed body's pipe stays: the stream may read on from the original.
    /// </summary>
    public void Replace(Stream body)
    {
        _replacement = body;
        _readFrom = false;
    }

    /// <summary>A body buffered whole: lent from the receive buffer or owned; a chunked one's <paramref name="trailers"/> are copied.</summary>
    public void SetBuffered(ReceivedBytes bytes, ReadOnlySpan<byte> trailers = default)
    {
        _bytes.Release();
        _bytes = bytes;
        _read = 0;
        _bufferedTrailers = trailers.IsEmpty ? null : trailers.ToArray();
        ReleasePipe();
    }

    public void SetStreamed(RequestBodyPipe pipe)
    {
        _bytes.Release();
        _read = 0;
        _bufferedTrailers = null;
        ReleasePipe();
        _pipe = pipe;
    }

    /// <summary>Copies lent bytes: the handler goes async and the receive buffer will be reused.</summary>
    public void DetachFromReceiveBuffer() => _bytes.EnsureOwned();

    public void Reset()
    {
        _bytes.Release();
        _read = 0;
        _bufferedTrailers = null;
        ReleasePipe();
    }

    /// <summary>
    /// A streamed body's pipe hands its buffer back to the pool when the exchange is done with it. The connection lets
    /// go of a pipe once the body has arrived, so a handler that did not read it to the end left the pipe's buffer to
    /// the garbage collector: a request with a small chunked body (every one ASP.NET Core on Micro reads) cost that.
    /// </summary>
    private void ReleasePipe()
    {
        _pipe?.DetachReader();
        _pipe = null;
        (_replacement, _readFrom) = (null, false);
    }

    private void ThrowIfStreamed()
    {
        if (IsStreamed)
        {
            throw new InvalidOperationException(
                "The request body is streamed while it arrives (MicroServerOptions.StreamRequestBody); read it with ReadBodyAsync or OpenBody, or buffer it first with ReadWholeBodyAsync.");
        }
    }
}
