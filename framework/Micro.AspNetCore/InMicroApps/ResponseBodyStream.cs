namespace Micro.AspNetCore;

/// <summary>HttpResponse.Body in a Micro app: writes go to the <see cref="BufferedResponseBody"/>; synchronous ones only when allowed, as on Kestrel.</summary>
internal sealed class ResponseBodyStream(BufferedResponseBody body, MicroRequestContext owner) : WriteForwardStream
{
    protected override string Carries => "The response body";

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => body.AppendAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        body.AppendAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!owner.AllowSynchronousIO)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed. Call WriteAsync or set AllowSynchronousIO to true instead.");
        }
        body.Append(buffer);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => body.FlushAsync(cancellationToken).AsTask();

    public override void Flush()
    {
    }
}
