using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// What a connection has to send, as a queue of pinned blocks rented from its reactor's pool only while there is
/// something to send: an idle connection holds none. Written by the protocol through <see cref="IBufferWriter{T}"/>,
/// drained by one writev per flush.
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
        var last = _segments[^1];
        if (last.End + count > last.Block.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "Advanced past the span that was handed out.");
        }
        _segments[^1] = last with { End = last.End + count };
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        var last = EnsureSpace(sizeHint);
        return last.Block.AsMemory(last.End);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        var last = EnsureSpace(sizeHint);
        return last.Block.AsSpan(last.End);
    }

    /// <summary>Copies <paramref name="bytes"/> in, across blocks when needed.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = GetSpan(1);
            var count = Math.Min(span.Length, bytes.Length);
            bytes[..count].CopyTo(span);
            Advance(count);
            bytes = bytes[count..];
        }
    }

    private Segment EnsureSpace(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_segments.Count > 0)
        {
            var last = _segments[^1];
            if (last.Block.Length - last.End >= sizeHint)
            {
                return last;
            }
        }
        if (ReferenceEquals(_segments, NoSegments))
        {
            _segments = new List<Segment>(2);
        }
        var added = new Segment(pool.Rent(sizeHint), 0);
        _segments.Add(added);
        return added;
    }

    /// <summary>A copy of the unsent bytes, for tests and diagnostics.</summary>
    internal byte[] ToArray()
    {
        var copy = new byte[Length];
        var offset = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
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
            destination.Write(Unsent(i));
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
            var count = 0;
            for (var i = 0; i < _segments.Count && count < MaxVectors; i++)
            {
                var segment = _segments[i];
                var start = i == 0 ? _head : 0;
                if (segment.End > start)
                {
                    vectors[count].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(segment.Block)) + start;
                    vectors[count].Length = (nuint)(segment.End - start);
                    count++;
                }
            }
            var written = count == 1
                ? Libc.Send(fd, vectors[0].Base, vectors[0].Length, Libc.MSG_NOSIGNAL)
                : Libc.WriteV(fd, vectors, count);
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

    /// <summary>Gives every block back, sent or not.</summary>
    public void Release()
    {
        if (_segments.Count > 0)
        {
            foreach (var segment in _segments)
            {
                pool.Return(segment.Block);
            }
            _segments.Clear();
        }
        _head = 0;
        Length = 0;
    }

    private readonly record struct Segment(byte[] Block, int End);
}
