namespace Micro.Http;

/// <summary>
/// A streamed request body as a <see cref="Stream"/>. Reads are asynchronous only: a synchronous read on the reactor
/// thread would wait for bytes that only that thread can deliver.
/// </summary>
internal sealed class RequestBodyStream(RequestBody body) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("A streamed request body has no length until it has arrived.");

    public override long Position
    {
        get => throw new NotSupportedException("A streamed request body cannot seek.");
        set => throw new NotSupportedException("A streamed request body cannot seek.");
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        body.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        body.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A streamed request body is read with ReadAsync: a synchronous read would block the reactor that delivers it.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A streamed request body cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("The request body is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read-only.");
}
