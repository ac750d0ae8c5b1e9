namespace Micro.AspNetCore;

/// <summary>
/// HttpRequest.Body on Micro: reads the exchange's body (buffered whole for a small one, streamed as it arrives
/// otherwise) and holds it to the request's limit (IHttpMaxRequestBodySizeFeature) as Kestrel does: a declared length
/// past the limit fails at the first read, a chunked body when it passes it, with a 413 BadHttpRequestException.
/// Reads are asynchronous unless the app allows synchronous IO.
/// </summary>
internal sealed class HttpRequestStream(RequestFeatures owner) : ReadForwardStream
{
    protected override string Carries => "The request body";

    private HttpExchange? _exchange;
    private long _declaredLength;
    private bool _chunked;
    private long _read;

    public void Start(HttpExchange exchange)
    {
        _exchange = exchange;
        _declaredLength = exchange.Head.Framing == Parser.BodyFraming.ContentLength ? exchange.Head.ContentLength : 0;
        _chunked = exchange.Head.Framing == Parser.BodyFraming.Chunked;
        _read = 0;
        HasStartedReading = false;
    }

    public void Reset() => _exchange = null;

    /// <summary>Whether the request has a body (a positive Content-Length, or chunked), for IHttpRequestBodyDetectionFeature.</summary>
    public bool CanHaveBody => _chunked || _declaredLength > 0;

    public bool HasStartedReading { get; private set; }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        !buffer.IsEmpty && owner.BodyPipeReader.TakeHeld(buffer.Span) is > 0 and var held
            ? new ValueTask<int>(held) // read through BodyReader and not consumed there: they come first, as on Kestrel's one body
            : ReadBodyAsync(buffer, cancellationToken, endsBody: true);

    /// <summary>
    /// The body's next bytes from the exchange, held to the request's limit (BodyReader reads with this). When
    /// <paramref name="endsBody"/>, a read that finds the end tells the request the application has read it all (its
    /// trailers are available); BodyReader tells it itself, once it has handed out what it holds.
    /// </summary>
    public async ValueTask<int> ReadBodyAsync(Memory<byte> buffer, CancellationToken cancellationToken, bool endsBody = false)
    {
        var exchange = ExchangeToRead;
        if (!CanHaveBody || buffer.IsEmpty)
        {
            return 0;
        }
        BeginReading();
        // Back on the context it was called on: inline, the reactor's, where the body's bytes arrive, so a read that
        // waited goes on there (queued on the reactor, no wake); with ConfigureAwait(false) the body's source, which
        // runs its continuations asynchronously, sent the rest of the request through the thread pool and back. On
        // the thread pool schedule there is no context, and nothing changes.
        var count = await exchange.ReadBodyAsync(buffer, cancellationToken).ConfigureAwait(true);
        _read += count;
        if (owner.MaxRequestBodySize is { } cap && _read > cap)
        {
            throw TooLarge(cap);
        }
        if (count == 0 && endsBody)
        {
            owner.OnRequestBodyEnded();
        }
        return count;
    }

    /// <summary>
    /// For BodyReader: the rest of a body that is not streamed, in place (no copy), held to the request's limit as a
    /// read is; false for a streamed body, which is read with <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.
    /// </summary>
    public bool TryPeekBuffered(out ReadOnlyMemory<byte> rest)
    {
        var exchange = ExchangeToRead;
        if (!CanHaveBody)
        {
            rest = default;
            return true;
        }
        if (!exchange.TryPeekBody(out rest))
        {
            return false;
        }
        BeginReading();
        if (owner.MaxRequestBodySize is { } cap && _read + rest.Length > cap)
        {
            throw TooLarge(cap);
        }
        return true;
    }

    /// <summary>BodyReader consumed <paramref name="count"/> bytes of what <see cref="TryPeekBuffered"/> gave.</summary>
    public void SkipBuffered(int count)
    {
        _exchange!.SkipBody(count);
        _read += count;
        if (_exchange.TryPeekBody(out var rest) && rest.IsEmpty)
        {
            owner.OnRequestBodyEnded(); // consumed to its end, as Kestrel's final advance
        }
    }

    /// <summary>The exchange whose body is read; once the response has completed it is gone, and so is the body.</summary>
    private HttpExchange ExchangeToRead =>
        _exchange ?? throw new InvalidOperationException("The request body cannot be read after the response has completed.");

    /// <summary>The first read fixes the request's limit (IHttpMaxRequestBodySizeFeature) and checks the declared length against it.</summary>
    private void BeginReading()
    {
        if (HasStartedReading)
        {
            return;
        }
        HasStartedReading = true;
        if (owner.MaxRequestBodySize is { } max && _declaredLength > max)
        {
            throw TooLarge(max);
        }
    }

    private BadHttpRequestException TooLarge(long limit)
    {
        owner.CloseAfterResponse = true; // the rest of the body is not read: the connection cannot carry another request
        return new BadHttpRequestException($"Request body too large. The max request body size is {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        owner.ThrowIfSynchronousIODisallowed("ReadAsync");
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var count = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, count).CopyTo(buffer);
            return count;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
