using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// What a connection has to send, as a queue of pinned blocks rented from its reactor's pool only while there is
/// something to send: an idle connection holds none. Written by the protocol through <see cref="IBufferWriter{T}"/>,
/// drained by one sendmsg per flush.
/// </summary>
internal sealed class OutputBuffer(BlockPool pool) : IBufferWriter<byte>
{
    private const int MaxVectors = 64;
    private static readonly List<Segment> NoSegments = [];

    // A block may be left partly empty when a span request does not fit in it, so each segment records its own end.
    private List<Segment> _segments = NoSegments;   // the list itself is allocated on the first write
    private int _head;                              // bytes of the first segment already sent

    /// <summary>Bytes written and not yet sent.</summary>
    public long Length { get; private set; }

    public bool IsEmpty => Length == 0;

    public void Advance(int count)
    {
        var segments = CollectionsMarshal.AsSpan(_segments);
        if (segments.IsEmpty)
        {
            throw new InvalidOperationException("Advanced before a span was handed out.");
        }
        // The tail is updated in place: no copy of the segment written back, so no write barrier per response's write.
        ref var last = ref segments[^1];
        if ((uint)count > (uint)(last.Block.Length - last.End))
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Advanced past the span that was handed out.");
        }
        last.End += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        ref var last = ref EnsureSpace(sizeHint);
        return last.Block.AsMemory(last.End);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        ref var last = ref EnsureSpace(sizeHint);
        return last.Block.AsSpan(last.End);
    }

    /// <summary>Copies <paramref name="bytes"/> in, across blocks when needed.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            ref var last = ref EnsureSpace(1);
            var count = Math.Min(last.Block.Length - last.End, bytes.Length);
            bytes[..count].CopyTo(last.Block.AsSpan(last.End));
            last.End += count;
            Length += count;
            bytes = bytes[count..];
        }
    }

    /// <summary>The last segment, with room for <paramref name="sizeHint"/> bytes (at least one): a new block when it has not.</summary>
    private ref Segment EnsureSpace(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        var segments = CollectionsMarshal.AsSpan(_segments);
        if (!segments.IsEmpty)
        {
            ref var last = ref segments[^1];
            if (last.Block.Length - last.End >= sizeHint)
            {
                return ref last;
            }
        }
        if (ReferenceEquals(_segments, NoSegments))
        {
            _segments = new List<Segment>(2);
        }
        _segments.Add(new Segment(pool.Rent(sizeHint), 0));
        return ref CollectionsMarshal.AsSpan(_segments)[^1];
    }

    /// <summary>Queues <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/>, sent with sendfile(2) without passing through user space. The buffer owns the handle from now on.</summary>
    public void AppendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long length)
    {
        if (length <= 0)
        {
            file.Dispose();
            return;
        }
        if (ReferenceEquals(_segments, NoSegments))
        {
            _segments = new List<Segment>(2);
        }
        _segments.Add(new Segment([], 0, new FileRange(file, offset, length)));
        Length += length;
    }

    /// <summary>The unsent bytes, when they are all in one block (no file range): read in place, valid until the next write or release.</summary>
    public bool TryGetSingleSpan(out ReadOnlySpan<byte> bytes)
    {
        if (_segments.Count == 1 && _segments[0].File is null)
        {
            bytes = Unsent(0);
            return true;
        }
        bytes = default;
        return _segments.Count == 0;
    }

    /// <summary>A copy of the unsent bytes, for tests and diagnostics.</summary>
    internal byte[] ToArray()
    {
        var copy = new byte[Length];
        var offset = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            if (_segments[i].File is not null)
            {
                throw new InvalidOperationException("The buffer holds a file range.");
            }
            var bytes = Unsent(i);
            bytes.CopyTo(copy.AsSpan(offset));
            offset += bytes.Length;
        }
        return copy;
    }

    /// <summary>Appends everything in this buffer to <paramref name="destination"/> and empties this one.</summary>
    public void MoveTo(OutputBuffer destination)
    {
        for (var i = 0; i < _segments.Count; i++)
        {
            if (_segments[i].File is { } file)
            {
                destination.AppendFile(file.Handle, file.Offset, file.Remaining);
                _segments[i] = _segments[i] with { File = null }; // ownership moved
            }
            else
            {
                destination.Write(Unsent(i));
            }
        }
        Release();
    }

    private ReadOnlySpan<byte> Unsent(int index)
    {
        var segment = _segments[index];
        var start = index == 0 ? _head : 0;
        return segment.Block.AsSpan(start, segment.End - start);
    }

    /// <summary>Sends as much as the socket takes. Returns the errno that stopped it (EAGAIN when the socket is full), or 0 when all was sent.</summary>
    public unsafe int WriteTo(int fd)
    {
        var vectors = stackalloc IoVector[MaxVectors];
        while (Length > 0)
        {
            if (_segments[0].File is { } file)
            {
                var errno = SendFileHead(fd, file);
                if (errno != 0)
                {
                    return errno;
                }
                continue;
            }
            var count = 0;
            for (var i = 0; i < _segments.Count && count < MaxVectors; i++)
            {
                var segment = _segments[i];
                if (segment.File is not null)
                {
                    break; // bytes after a file wait for it
                }
                var start = i == 0 ? _head : 0;
                if (segment.End > start)
                {
                    vectors[count].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(segment.Block)) + start;
                    vectors[count].Length = (nuint)(segment.End - start);
                    count++;
                }
            }
            // MSG_NOSIGNAL: a peer that reset gets EPIPE here, never a SIGPIPE for the process.
            nint written;
            if (count == 1)
            {
                written = Libc.Send(fd, vectors[0].Base, vectors[0].Length, Libc.MSG_NOSIGNAL);
            }
            else
            {
                var message = new MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
                written = Libc.SendMsg(fd, &message, Libc.MSG_NOSIGNAL);
            }
            if (written < 0)
            {
                var errno = Errno.Last;
                if (errno == Libc.EINTR)
                {
                    continue;
                }
                return errno;
            }
            Consume((long)written);
        }
        return 0;
    }

    /// <summary>Sends the file range at the head of the queue with sendfile(2); returns an errno, or 0 once it is all sent.</summary>
    private unsafe int SendFileHead(int fd, FileRange file)
    {
        var handle = (int)file.Handle.DangerousGetHandle();
        while (file.Remaining > 0)
        {
            var offset = file.Offset;
            var sent = Libc.SendFile(fd, handle, &offset, (nuint)Math.Min(file.Remaining, 1L << 30));
            if (sent < 0)
            {
                var errno = Errno.Last;
                if (errno == Libc.EINTR)
                {
                    continue;
                }
                return errno;
            }
            if (sent == 0)
            {
                return Libc.EIO; // the file is shorter than it was when the response was framed
            }
            file.Offset += sent;
            file.Remaining -= sent;
            Length -= sent;
        }
        file.Handle.Dispose();
        _segments.RemoveAt(0);
        _head = 0;
        if (Length == 0)
        {
            Release();
        }
        return 0;
    }

    private void Consume(long count)
    {
        Length -= count;
        while (count > 0)
        {
            var available = _segments[0].End - _head;
            if (count < available)
            {
                _head += (int)count;
                return;
            }
            count -= available;
            pool.Return(_segments[0].Block);
            _segments.RemoveAt(0);
            _head = 0;
        }
        if (Length == 0)
        {
            Release();
        }
    }

    /// <summary>
    /// Moves everything pending into <paramref name="destination"/> (file ranges read from their files) and empties
    /// the buffer: how an in-memory transport "sends", and how tests read what was framed.
    /// </summary>
    public void DrainTo(IBufferWriter<byte> destination)
    {
        for (var i = 0; i < _segments.Count; i++)
        {
            var segment = _segments[i];
            if (segment.File is { } file)
            {
                while (file.Remaining > 0)
                {
                    var span = destination.GetSpan((int)Math.Min(file.Remaining, 64 * 1024));
                    var read = RandomAccess.Read(file.Handle, span[..(int)Math.Min(span.Length, file.Remaining)], file.Offset);
                    if (read == 0)
                    {
                        throw new IOException("The file is shorter than it was when the response was framed.");
                    }
                    destination.Advance(read);
                    file.Offset += read;
                    file.Remaining -= read;
                }
                continue;
            }
            var start = i == 0 ? _head : 0;
            destination.Write(segment.Block.AsSpan(start, segment.End - start));
        }
        Release();
    }

    /// <summary>Gives every block back, sent or not.</summary>
    public void Release()
    {
        var segments = CollectionsMarshal.AsSpan(_segments);
        if (segments.Length == 1 && segments[0].File is null)
        {
            // The common case (a response's buffered body, a batch of small responses): one block back, without an
            // enumerator or a call to clear the list.
            pool.Return(segments[0].Block);
            _segments.RemoveAt(0);
        }
        else if (!segments.IsEmpty)
        {
            foreach (ref readonly var segment in segments)
            {
                if (segment.File is { } file)
                {
                    file.Handle.Dispose();
                }
                else
                {
                    pool.Return(segment.Block);
                }
            }
            _segments.Clear();
        }
        _head = 0;
        Length = 0;
    }

    /// <summary>Bytes of a block, or (when <see cref="File"/> is set) a range of a file sent with sendfile(2).</summary>
    /// <remarks>Mutable, and updated in place through a reference into the list (the tail's end moves on every write).</remarks>
    private record struct Segment(byte[] Block, int End, FileRange? File = null);

    /// <summary>A range of an open file still to send; mutable, as sendfile advances it.</summary>
    private sealed class FileRange(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long remaining)
    {
        public Microsoft.Win32.SafeHandles.SafeFileHandle Handle { get; } = handle;
        public long Offset { get; set; } = offset;
        public long Remaining { get; set; } = remaining;
    }
}
