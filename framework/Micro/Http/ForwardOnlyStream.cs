namespace Micro.Http;

/// <summary>
/// A stream that only goes forward, as a body in flight does: read as it arrives or written as it leaves, with no
/// length and no position. The server's streams (request and response bodies, an upgraded connection, an encoder's
/// sink) take these answers from here and say only what they do; Forms, a component that names no part of the
/// framework, gives its part stream the same answers itself.
/// </summary>
internal abstract class ForwardOnlyStream : Stream
{
    public sealed override bool CanSeek => false;

    public sealed override long Length => throw NotSeekable("has no length until it has all gone by");

    public sealed override long Position { get => throw NotSeekable("has no position"); set => throw NotSeekable("cannot seek"); }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw NotSeekable("cannot seek");

    public sealed override void SetLength(long value) => throw NotSeekable("cannot be given a length");

    /// <summary>What the stream carries, for its exceptions ("The request body").</summary>
    protected abstract string Carries { get; }

    private NotSupportedException NotSeekable(string what) => new($"{Carries} goes forward only: it {what}.");
}

/// <summary>A body read as it arrives: <see cref="Stream.Write(byte[], int, int)"/> refused, and nothing to flush.</summary>
internal abstract class ReadForwardStream : ForwardOnlyStream
{
    public sealed override bool CanRead => true;

    public sealed override bool CanWrite => false;

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException($"{Carries} is read-only.");

    public sealed override void Flush()
    {
    }
}

/// <summary>A body written as it leaves: <see cref="Stream.Read(byte[], int, int)"/> refused.</summary>
internal abstract class WriteForwardStream : ForwardOnlyStream
{
    public sealed override bool CanRead => false;

    public sealed override bool CanWrite => true;

    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException($"{Carries} is write-only.");
}
