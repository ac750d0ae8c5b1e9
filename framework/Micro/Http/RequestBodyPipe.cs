using System.Buffers;

namespace Micro.Http;

/// <summary>
/// A streamed request body between the connection (which writes what arrives) and the handler (which reads it).
/// It holds at most <see cref="Capacity"/> bytes: when it is full the connection stops reading the socket, so a
/// client uploading faster than the handler consumes is held back by TCP, not buffered. A lock guards the state
/// because a handler may read from another thread (after ConfigureAwait(false)); the connection side always runs on
/// its reactor.
/// </summary>
internal sealed class RequestBodyPipe
{
    /// <summary>
    /// The most a streamed body holds ahead of its reader: 256 KiB, the knee measured with HttpArena's uploads on the
    /// thread pool (64 KiB: half the uploads per second, the reader and the reactor handing the pipe back and forth;
    /// 1 MiB: no more than 256). Rented as it fills and handed back when the body is done, so a small body holds little.
    /// </summary>
    public const int Capacity = 256 * 1024;
    private const int SmallestBuffer = 4096;

    private readonly object _lock = new();
    private readonly Action _onDrained;
    private byte[]? _buffer; // rented at the first bytes, as large as they need, growing to Capacity: most bodies are small
    private int _start;
    private int _count;
    private bool _completed;
    private bool _readerGone;
    private bool _writerWaiting;
    private Exception? _failure;
    private TaskCompletionSource? _readerWaiting;
    private byte[]? _trailers; // a chunked body's trailer section, as received, once it is whole

    private Action? _onReaderWaits; // once: the client may be holding the body back until it hears 100 Continue

    /// <param name="onDrained">Called, on any thread, when a full pipe has room again; the connection resumes reading.</param>
    /// <param name="onReaderWaits">
    /// Called once, on the reader's thread, the first time the reader waits for bytes: the connection sends the 100
    /// Continue a client expects only then, so a handler that answers without reading invites no body (as Kestrel).
    /// </param>
    public RequestBodyPipe(Action onDrained, Action? onReaderWaits = null)
    {
        _onDrained = onDrained;
        _onReaderWaits = onReaderWaits;
    }

    /// <summary>The trailer fields of a chunked body once it is whole (whole "Name: value\r\n" lines); empty before, and when it had none.</summary>
    public ReadOnlyMemory<byte> Trailers
    {
        get
        {
            lock (_lock)
            {
                return _completed ? _trailers : default;
            }
        }
    }

    /// <summary>Whether the body has all arrived (<see cref="Complete"/>).</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_lock)
            {
                return _completed;
            }
        }
    }

    /// <summary>Bytes buffered and not yet read.</summary>
    public int Buffered
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// How many bytes <see cref="Write"/> would take now (unbounded once nothing will read them). When none, the
    /// writer is registered as waiting, as after a partial <see cref="Write"/>, and is called back when there is room.
    /// </summary>
    public int RoomOrWait()
    {
        lock (_lock)
        {
            var room = _readerGone || _failure is not null ? int.MaxValue : Capacity - _count;
            if (room == 0)
            {
                _writerWaiting = true;
            }
            return room;
        }
    }

    /// <summary>Takes as much of <paramref name="data"/> as fits and returns how much; once the reader is gone, everything is taken and dropped.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        TaskCompletionSource? wake;
        int taken;
        lock (_lock)
        {
            if (_readerGone || _failure is not null)
            {
                return data.Length;
            }
            taken = Math.Min(data.Length, Capacity - _count);
            if (taken < data.Length)
            {
                _writerWaiting = true;
            }
            if (taken == 0)
            {
                return 0;
            }
            var buffer = EnsureRoom(_count + taken);
            var end = (_start + _count) % buffer.Length;
            var first = Math.Min(taken, buffer.Length - end);
            data[..first].CopyTo(buffer.AsSpan(end));
            data[first..taken].CopyTo(buffer);
            _count += taken;
            wake = TakeReaderWaiting();
        }
        wake?.TrySetResult();
        return taken;
    }

    // Called under the lock: the buffer holds at least `needed` bytes (at most Capacity), what it held kept in order.
    private byte[] EnsureRoom(int needed)
    {
        if (_buffer is { } current && current.Length >= needed)
        {
            return current;
        }
        var size = Math.Min(Capacity, Math.Max(needed, Math.Max(SmallestBuffer, (_buffer?.Length ?? 0) * 2)));
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is { } old)
        {
            var first = Math.Min(_count, old.Length - _start);
            old.AsSpan(_start, first).CopyTo(bigger);
            old.AsSpan(0, _count - first).CopyTo(bigger.AsSpan(first));
            ArrayPool<byte>.Shared.Return(old);
        }
        _buffer = bigger;
        _start = 0;
        return bigger;
    }

    /// <summary>The body is whole, with the trailer fields of a chunked one (copied): a reader gets 0 after what is buffered.</summary>
    public void Complete(ReadOnlySpan<byte> trailers = default)
    {
        TaskCompletionSource? wake;
        var kept = trailers.IsEmpty ? null : trailers.ToArray();
        lock (_lock)
        {
            _trailers = kept;
            _completed = true;
            wake = TakeReaderWaiting();
        }
        wake?.TrySetResult();
    }

    /// <summary>The body will not be whole (bad framing, too large, client gone): the reader gets <paramref name="failure"/>.</summary>
    public void Fail(Exception failure)
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }
            _failure ??= failure;
            wake = TakeReaderWaiting();
            ReturnBuffer();
        }
        wake?.TrySetResult();
    }

    /// <summary>The handler is done: what is buffered and what still comes is dropped, and a full pipe lets the connection read on.</summary>
    public void DetachReader()
    {
        bool drained;
        lock (_lock)
        {
            _readerGone = true;
            drained = _writerWaiting;
            _writerWaiting = false;
            ReturnBuffer();
        }
        if (drained)
        {
            _onDrained();
        }
    }

    /// <summary>Reads what is buffered into <paramref name="destination"/>, waiting for the client when nothing is; 0 at the end of the body.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }
        while (true)
        {
            Task waitFor;
            Action? onReaderWaits;
            lock (_lock)
            {
                if (_readerGone)
                {
                    throw new InvalidOperationException("The response is complete; the request body can no longer be read.");
                }
                if (_count > 0)
                {
                    return TakeBuffered(destination.Span);
                }
                if (_failure is not null)
                {
                    throw _failure;
                }
                if (_completed)
                {
                    ReturnBuffer(); // read to its end: the buffer goes back now, not with the garbage
                    return 0;
                }
                waitFor = (_readerWaiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                onReaderWaits = _onReaderWaits;
                _onReaderWaits = null;
            }
            onReaderWaits?.Invoke(); // outside the lock: it may write to the connection (inline, on the reactor)
            await waitFor.WaitAsync(cancellationToken).ConfigureAwait(true);
        }
    }

    // Called under the lock.
    private int TakeBuffered(Span<byte> destination)
    {
        var taken = Math.Min(destination.Length, _count);
        var first = Math.Min(taken, _buffer!.Length - _start);
        _buffer.AsSpan(_start, first).CopyTo(destination);
        _buffer.AsSpan(0, taken - first).CopyTo(destination[first..]);
        _start = (_start + taken) % _buffer.Length;
        _count -= taken;
        if (_count == 0)
        {
            _start = 0;
        }
        // Reading resumes once half the pipe is free, not at every byte, so the socket is read in large pieces.
        if (_writerWaiting && _count <= Capacity / 2)
        {
            _writerWaiting = false;
            _onDrained();
        }
        return taken;
    }

    private TaskCompletionSource? TakeReaderWaiting()
    {
        var waiting = _readerWaiting;
        _readerWaiting = null;
        return waiting;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _count = 0;
        _start = 0;
    }
}
