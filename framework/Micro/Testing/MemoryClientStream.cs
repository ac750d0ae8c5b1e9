using System.Buffers;
using System.IO.Pipelines;
using Micro.Transport;

namespace Micro.Testing;

/// <summary>
/// The client's end of a <see cref="MemoryConnection"/>: writes become the server's input (waiting while the
/// server is not reading, as a full socket would), reads are the server's output. Disposing it is the client going
/// away: the server's connection closes.
/// </summary>
internal sealed class MemoryClientStream(Reactor reactor, MemoryConnection connection) : Stream
{
    private readonly PipeReader _reader = connection.ToClient;
    private int _disposed;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var available = result.Buffer;
        var count = (int)Math.Min(available.Length, buffer.Length);
        available.Slice(0, count).CopyTo(buffer.Span);
        _reader.AdvanceTo(available.GetPosition(count));
        return count; // 0 only once the server has closed and everything was read
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return;
        }
        if (reactor.HasEnded)
        {
            throw new IOException("The test host has stopped.");
        }
        var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(static state =>
        {
            var (connection, bytes, taken) = ((MemoryConnection, byte[], TaskCompletionSource))state!;
            connection.Receive(bytes, taken);
        }, (connection, buffer.ToArray(), taken));
        await taken.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the client's sending side only, as shutdown(SHUT_WR): the requests sent are still answered.</summary>
    public void CompleteWrites() => reactor.Post(static state => ((MemoryConnection)state!).EndInput(), connection);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _reader.Complete();
            reactor.Post(static state => ((MemoryConnection)state!).Close(), connection);
        }
        base.Dispose(disposing);
    }
}
