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

    private static readonly List<byte[]> NoBlocks = [];
    private List<byte[]> _blocks = NoBlocks;   // the list itself is allocated on the first write
    private int _head;      // bytes of _blocks[0] already sent
    private int _tail;      // bytes of the last block written

    /// <summary>Bytes written and not yet sent.</summary>
    public long Length { get; private set; }

    public bool IsEmpty => Length == 0;

    public void Advance(int count)
    {
        _tail += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => EnsureSpace(sizeHint).AsMemory(_tail);

    public Span<byte> GetSpan(int sizeHint = 0) => EnsureSpace(sizeHint).AsSpan(_tail);

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

    private byte[] EnsureSpace(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_blocks.Count > 0 && _blocks[^1].Length - _tail >= sizeHint)
        {
            return _blocks[^1];
        }
        var block = pool.Rent(sizeHint);
        if (ReferenceEquals(_blocks, NoBlocks))
        {
            _blocks = new List<byte[]>(4);
        }
        _blocks.Add(block);
        _tail = 0;
        return block;
    }

    /// <summary>Appends everything in this buffer to <paramref name="destination"/> and empties this one.</summary>
    public void MoveTo(OutputBuffer destination)
    {
        for (var i = 0; i < _blocks.Count; i++)
        {
            var start = i == 0 ? _head : 0;
            var end = i == _blocks.Count - 1 ? _tail : _blocks[i].Length;
            destination.Write(_blocks[i].AsSpan(start, end - start));
        }
        Release();
    }

    /// <summary>Sends as much as the socket takes. Returns the errno that stopped it (EAGAIN when the socket is full), or 0 when all was sent.</summary>
    public unsafe int WriteTo(int fd)
    {
        var vectors = stackalloc IoVector[MaxVectors];
        while (Length > 0)
        {
            var count = 0;
            for (var i = 0; i < _blocks.Count && count < MaxVectors; i++)
            {
                var start = i == 0 ? _head : 0;
                var end = i == _blocks.Count - 1 ? _tail : _blocks[i].Length;
                if (end > start)
                {
                    vectors[count].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_blocks[i])) + start;
                    vectors[count].Length = (nuint)(end - start);
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
            var block = _blocks[0];
            var end = _blocks.Count == 1 ? _tail : block.Length;
            var available = end - _head;
            if (count < available)
            {
                _head += (int)count;
                return;
            }
            count -= available;
            ReleaseFirst();
        }
        if (Length == 0)
        {
            Release();
        }
    }

    private void ReleaseFirst()
    {
        pool.Return(_blocks[0]);
        _blocks.RemoveAt(0);
        _head = 0;
        if (_blocks.Count == 0)
        {
            _tail = 0;
        }
    }

    /// <summary>Gives every block back, sent or not.</summary>
    public void Release()
    {
        if (_blocks.Count > 0)
        {
            foreach (var block in _blocks)
            {
                pool.Return(block);
            }
            _blocks.Clear();
        }
        _head = 0;
        _tail = 0;
        Length = 0;
    }
}
