using System.Buffers;
using System.IO.Pipelines;

namespace Micro.AspNetCore;

/// <summary>
/// The body ASP.NET Core middleware writes in a Micro app (a problem+json answer, a rate limiter's message): kept in
/// one pooled array and sent whole, with a Content-Length, when the pipeline is done; past 64 KiB, or when the
/// middleware starts the response, it streams through the Micro response instead (and through its compression when a
/// Micro middleware compresses). Reused with its context.
/// </summary>
internal sealed class BufferedResponseBody(MicroRequestContext owner) : PipeWriter
{
    /// <summary>Buffered bytes past which the body streams rather than waiting for the end.</summary>
    public const int StreamAfter = 64 * 1024;

    private byte[]? _buffer;
    private int _length;
    private bool _streaming;
    private bool _completed;
    private ResponseBodyStream? _stream;

    public Stream Stream => _stream ??= new ResponseBodyStream(this, owner);

    public bool HasBuffered => _length > 0;

    public void Reset()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _length = 0;
        _streaming = false;
        _completed = false;
    }

    private Response Response => owner.MicroResponse;

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_length);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_length);

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_buffer is null || _length + bytes > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the memory the response body writer handed out.");
        }
        _length += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        _streaming || _length >= StreamAfter ? FlushOutAsync(cancellationToken) : new(new FlushResult(false, _completed));

    private async ValueTask<FlushResult> FlushOutAsync(CancellationToken cancellationToken)
    {
        await StartStreamingAsync(cancellationToken).ConfigureAwait(true);
        return new FlushResult(false, false);
    }

    public override bool CanGetUnflushedBytes => true;

    /// <summary>What is kept and not yet sent (System.Text.Json flushes by it).</summary>
    public override long UnflushedBytes => _length;

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        _completed = true;
        return FinishAsync();
    }

    /// <summary>Appends what a stream write brings: kept when it fits under the limit, else the body streams.</summary>
    public ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ThrowIfCompleted();
        if (!_streaming && _length + bytes.Length <= StreamAfter)
        {
            bytes.Span.CopyTo(Reserve(bytes.Length).AsSpan(_length));
            _length += bytes.Length;
            return default;
        }
        return StreamAsync(bytes, cancellationToken);
    }

    /// <summary>A synchronous write, when the middleware allowed synchronous IO: kept, to go out when the pipeline is done or the next flush.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        ThrowIfCompleted();
        bytes.CopyTo(Reserve(bytes.Length).AsSpan(_length));
        _length += bytes.Length;
    }

    private async ValueTask StreamAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await StartStreamingAsync(cancellationToken).ConfigureAwait(true);
        await SendAsync(bytes, cancellationToken).ConfigureAwait(true);
    }

    /// <summary>Starts the response (OnStarting callbacks first), then sends what is buffered: every later write goes straight out.</summary>
    public async ValueTask StartStreamingAsync(CancellationToken cancellationToken)
    {
        if (!_streaming)
        {
            _streaming = true;
            await owner.RunOnStartingAsync().ConfigureAwait(true);
            var exchange = Response.Exchange;
            if (!exchange.HasStarted && Response.BodyFilter is null && DeclaredLength is { } length)
            {
                exchange.StartStreaming(length); // the middleware said how long: sent as it is, not chunked
            }
        }
        if (_length > 0)
        {
            var buffered = _length;
            _length = 0;
            await SendAsync(_buffer.AsMemory(0, buffered), cancellationToken).ConfigureAwait(true);
        }
    }

    /// <summary>The pipeline is done: a buffered body is handed to the Micro response whole, after its Content-Length is checked.</summary>
    public ValueTask FinishAsync()
    {
        if (_streaming)
        {
            return _length > 0 ? StartStreamingAsync(CancellationToken.None) : default;
        }
        if (DeclaredLength is { } declared && declared != _length && !(Response.Exchange.IsHeadRequest && _length == 0))
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: {(_length < declared ? "too few" : "too many")} bytes written ({_length} of {declared}).");
        }
        if (_length > 0)
        {
            var writer = Response.Exchange.BodyWriter;
            writer.Write(_buffer.AsSpan(0, _length));
            _length = 0;
        }
        return default;
    }

    private long? DeclaredLength => ((IHttpResponseFeature)owner).Headers.ContentLength;

    private ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        Response.BodyFilter is { } filter ? filter.WriteAsync(Response, bytes, cancellationToken) : Response.Exchange.WriteAsync(bytes, cancellationToken);

    /// <summary>An array with room for <paramref name="sizeHint"/> more bytes: rented on the first write, doubled as it fills.</summary>
    private byte[] Reserve(int sizeHint)
    {
        ThrowIfCompleted();
        var needed = _length + Math.Max(sizeHint, 1);
        if (_buffer is null || needed > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer is null ? 4096 : _buffer.Length * 2));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = grown;
        }
        return _buffer;
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The response body was completed (CompleteAsync); nothing more can be written to it.");
        }
    }
}
