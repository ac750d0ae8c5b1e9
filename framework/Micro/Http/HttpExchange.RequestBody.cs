using System.Buffers;

namespace Micro.Http;

/// <summary>The request body: buffered (borrowed from the receive buffer or owned), or streamed while it arrives.</summary>
public sealed partial class HttpExchange
{
    /// <summary>The request body, decoded if it was chunked; empty when there is none. Not for a streamed body (<see cref="IsBodyStreamed"/>).</summary>
    public ReadOnlySpan<byte> Body
    {
        get
        {
            ThrowIfStreamed();
            return _body.Span;
        }
    }

    /// <summary>
    /// The request body as memory, valid until the response completes, across awaits. Not for a streamed body
    /// (<see cref="IsBodyStreamed"/>). A body lent from the receive buffer is copied once here, since memory (unlike
    /// <see cref="Body"/>, a span) can outlive the synchronous part of the handler and the buffer is reused.
    /// </summary>
    public ReadOnlyMemory<byte> BodyMemory
    {
        get
        {
            ThrowIfStreamed();
            _body.EnsureOwned();
            return _body.Memory;
        }
    }

    private void ThrowIfStreamed()
    {
        if (_bodyPipe is not null)
        {
            throw new InvalidOperationException(
                "The request body is streamed while it arrives (MicroServerOptions.StreamRequestBody); read it with ReadBodyAsync or OpenBody, or buffer it first with ReadWholeBodyAsync.");
        }
    }

    /// <summary>True when the handler runs before the body has arrived and reads it as it comes (see <see cref="HttpServerOptions.StreamRequestBody"/>).</summary>
    public bool IsBodyStreamed => _bodyPipe is not null;

    /// <summary>The request body as a read-only stream: over the received bytes, or reading a streamed body as it arrives (asynchronous reads only).</summary>
    public Stream OpenBody()
    {
        if (_bodyPipe is not null)
        {
            return new RequestBodyStream(this);
        }
        _body.EnsureOwned(); // a stream is read later, after awaits: it must not see a reused receive buffer
        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(_body.Memory, out var bytes) && bytes.Array is not null
            ? new MemoryStream(bytes.Array, bytes.Offset, bytes.Count, writable: false)
            : new MemoryStream([], writable: false);
    }

    /// <summary>
    /// Reads the next bytes of the body into <paramref name="destination"/>; 0 at its end. For a streamed body it
    /// waits for the client, and a body that cannot be completed (malformed, too large, too slow, client gone)
    /// throws <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> with the status to answer, or <see cref="IOException"/>.
    /// </summary>
    public ValueTask<int> ReadBodyAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_bodyPipe is not null)
        {
            return _bodyPipe.ReadAsync(destination, cancellationToken);
        }
        var remaining = _body.Span[_bodyRead..];
        var count = Math.Min(remaining.Length, destination.Length);
        remaining[..count].CopyTo(destination.Span);
        _bodyRead += count;
        return new ValueTask<int>(count);
    }

    /// <summary>
    /// Buffers a streamed body whole (up to <paramref name="limit"/> bytes, past which it throws
    /// <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> 413), after which <see cref="Body"/> works as for
    /// any other request. Completes at once for a body that was not streamed.
    /// </summary>
    public async ValueTask ReadWholeBodyAsync(long limit)
    {
        if (_bodyPipe is null)
        {
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await _bodyPipe.ReadAsync(buffer.AsMemory(length), default).ConfigureAwait(true);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limit)
                {
                    throw new Microsoft.AspNetCore.Http.BadHttpRequestException($"The request body is larger than the limit of {limit} bytes.", 413);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        _body.Release();
        _body = ReceivedBytes.Own(buffer, length);
        _bodyPipe = null;
    }

    /// <summary>The body, buffered whole: lent from the receive buffer or owned.</summary>
    internal void SetBody(ReceivedBytes body) => _body = body;

    internal void SetStreamedBody(RequestBodyPipe pipe)
    {
        _bodyPipe = pipe;
        _body.Release();
    }
}
