namespace Micro.Http;

/// <summary>
/// A streamed request body as a <see cref="Stream"/>. Reads are asynchronous only: a synchronous read on the reactor
/// thread would wait for bytes that only that thread can deliver.
/// </summary>
internal sealed class RequestBodyStream(RequestBody body) : ReadForwardStream
{
    protected override string Carries => "A streamed request body";

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        body.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        body.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A streamed request body is read with ReadAsync: a synchronous read would block the reactor that delivers it.");
}
