using System.Buffers;

namespace Micro.AspNetCore;

/// <summary>
/// HttpResponse.Body on Micro: each write goes to the body writer and is flushed, as Kestrel's response stream does
/// (an app that writes to the stream and waits expects the client to have it). Writes are asynchronous unless the app
/// allows synchronous IO.
/// </summary>
internal sealed class HttpResponseStream(RequestFeatures owner) : WriteForwardStream
{
    protected override string Carries => "The response body";

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        owner.BodyWriter.Write(buffer.Span);
        await owner.FlushAsync(cancellationToken).ConfigureAwait(true); // inline, a flush that waited goes on on the reactor; on the thread pool there is no context
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        owner.ThrowIfSynchronousIODisallowed("WriteAsync");
        owner.BodyWriter.Write(buffer);
        owner.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => owner.FlushAsync(cancellationToken).AsTask();

    public override void Flush()
    {
        owner.ThrowIfSynchronousIODisallowed("WriteAsync");
        owner.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }
}
