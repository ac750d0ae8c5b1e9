namespace Micro.Http;

/// <summary>The request body, held by a <see cref="RequestBody"/>: buffered (borrowed or owned) or streamed while it arrives.</summary>
public sealed partial class HttpExchange
{
    private readonly RequestBody _body = new();

    /// <summary>The request body, decoded if it was chunked; empty when there is none. Not for a streamed body (<see cref="IsBodyStreamed"/>).</summary>
    public ReadOnlySpan<byte> Body => _body.Span;

    /// <summary>
    /// The request body as memory, valid until the response completes, across awaits. Not for a streamed body
    /// (<see cref="IsBodyStreamed"/>). A body lent from the receive buffer is copied once here, since memory (unlike
    /// <see cref="Body"/>, a span) can outlive the synchronous part of the handler and the buffer is reused.
    /// </summary>
    public ReadOnlyMemory<byte> BodyMemory => _body.Memory;

    /// <summary>True when the handler runs before the body has arrived and reads it as it comes (see <see cref="HttpServerOptions.StreamRequestBody"/>).</summary>
    public bool IsBodyStreamed => _body.IsStreamed;

    /// <summary>The request body as a read-only stream: over the received bytes, or reading a streamed body as it arrives (asynchronous reads only).</summary>
    public Stream OpenBody() => _body.Open();

    /// <summary>
    /// Reads the next bytes of the body into <paramref name="destination"/>; 0 at its end. For a streamed body it
    /// waits for the client, and a body that cannot be completed (malformed, too large, too slow, client gone)
    /// throws <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> with the status to answer, or <see cref="IOException"/>.
    /// </summary>
    public ValueTask<int> ReadBodyAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
        _body.ReadAsync(destination, cancellationToken);

    /// <summary>
    /// Buffers a streamed body whole (up to <paramref name="limit"/> bytes, past which it throws
    /// <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> 413), after which <see cref="Body"/> works as for
    /// any other request. Completes at once for a body that was not streamed.
    /// </summary>
    public ValueTask ReadWholeBodyAsync(long limit) => _body.ReadWholeAsync(limit);

    internal void SetBody(ReceivedBytes body) => _body.SetBuffered(body);

    internal void SetStreamedBody(RequestBodyPipe pipe) => _body.SetStreamed(pipe);
}
