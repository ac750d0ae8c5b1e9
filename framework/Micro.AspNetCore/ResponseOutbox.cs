using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;

namespace Micro.AspNetCore;

/// <summary>
/// What the app has flushed and the reactor has not yet written: pooled segments passed from the app's thread to
/// the exchange's reactor without copying, as Kestrel's output pipe passes them to its transport. A flush does not
/// wait for the reactor: it waits only while more than <see cref="PauseThreshold"/> bytes are in flight or the
/// connection pushes back (a slow client), so the app is held back by the client, never buffered without bound.
/// </summary>
internal sealed class ResponseOutbox(HttpResponsePipeWriter writer) : IValueTaskSource<FlushResult>
{
    /// <summary>
    /// As Kestrel's output pipe pauses its writer (MaxResponseBufferSize): 64 KiB in flight, counted by the buffers
    /// that hold it, not by the bytes written into them: an app that flushes a line at a time hands over a 4 KiB
    /// segment per line, and counting its eleven bytes would let a connection hold thousands of them (24 MiB) while
    /// its client reads nothing.
    /// </summary>
    public const long PauseThreshold = 64 * 1024;

    /// <summary>A flushed piece at most this long is copied into the segment queued before it, when that has room.</summary>
    private const int CoalescedLength = 1024;

    private List<(byte[] Array, int Length)> _queued = []; // the app adds under the lock; the reactor swaps it for the spare
    private List<(byte[] Array, int Length)>? _spare = [];
    private readonly object _lock = new();
    private long _inFlight;
    private int _drainScheduled;
    private bool _held;
    private bool _gone;
    private bool _waiting;
    private ManualResetValueTaskSourceCore<FlushResult> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _waitCancellation;

    /// <summary>
    /// App side: a segment the writer filled; the outbox owns the pooled array from now on. A short one (an app that
    /// flushes a line at a time) is copied into the segment queued before it while that has room and the reactor has
    /// not taken it, and its array goes straight back: the lines of a slow client's response share segments, as they
    /// share blocks in Kestrel's output pipe, instead of holding one each.
    /// </summary>
    public void Add(byte[] array, int length)
    {
        HasPublished = true;
        lock (_lock)
        {
            if (!TryAppendTo(_queued, array, length))
            {
                _queued.Add((array, length));
                Interlocked.Add(ref _inFlight, array.Length);
                return;
            }
        }
        writer.Return(array); // its bytes were copied: the array goes back at once
    }

    /// <summary>Copies a short piece into the last segment of <paramref name="segments"/> if it has room (the queue's under the lock).</summary>
    private static bool TryAppendTo(List<(byte[] Array, int Length)> segments, byte[] array, int length)
    {
        if (length > CoalescedLength || segments.Count == 0)
        {
            return false;
        }
        ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(segments)[^1];
        if (last.Array.Length - last.Length < length)
        {
            return false;
        }
        array.AsSpan(0, length).CopyTo(last.Array.AsSpan(last.Length));
        last.Length += length;
        return true;
    }

    private readonly List<(byte[] Array, int Length)> _staged = [];
    private int _stagedCount;
    private long _stagedBytes;

    /// <summary>
    /// App side, in the request's first part on its lane: a flushed segment kept back, to go with the whole response
    /// if the request completes in that part, or to be published when it goes on (RequestFeatures.Lane.cs). A short
    /// one shares the segment staged before it, as in <see cref="Add"/>: what is staged is bounded by its bytes, so
    /// its segments must be about as full as it says.
    /// </summary>
    public void Stage(byte[] array, int length)
    {
        _stagedBytes += length;
        if (TryAppendTo(_staged, array, length))
        {
            writer.Return(array);
            return;
        }
        _staged.Add((array, length));
        Volatile.Write(ref _stagedCount, _staged.Count);
    }

    /// <summary>Bytes staged and not yet published (app side).</summary>
    public long StagedBytes => _stagedBytes;

    /// <summary>The staged segments, in order (on the lane, to pack them).</summary>
    public ReadOnlySpan<(byte[] Array, int Length)> Staged => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_staged); // no boxed enumerator

    /// <summary>
    /// Any thread: the staged segments join the outbox, ahead of anything flushed later; true when there were some
    /// (the caller posts a drain). The lane, at the end of the request's first part, and the request's next part, on
    /// another thread, may both come here: the lock lets one of them publish, before either hands on anything more.
    /// </summary>
    public bool PublishStaged()
    {
        if (Volatile.Read(ref _stagedCount) == 0)
        {
            return false;
        }
        lock (_lock)
        {
            if (_staged.Count == 0)
            {
                return false;
            }
            foreach (var (array, length) in _staged)
            {
                Add(array, length);
            }
            _staged.Clear();
            _stagedBytes = 0;
            Volatile.Write(ref _stagedCount, 0);
            return true;
        }
    }

    /// <summary>The staged segments were copied out (a packed response) or are dropped: their arrays go back.</summary>
    public void ReleaseStaged()
    {
        foreach (var (array, _) in _staged)
        {
            writer.Return(array);
        }
        _staged.Clear();
        _stagedBytes = 0;
        Volatile.Write(ref _stagedCount, 0);
    }

    /// <summary>Whether this request has handed the outbox anything for the reactor (app side).</summary>
    public bool HasPublished { get; private set; }

    /// <summary>App side: true when no drain is scheduled yet, so the caller posts one.</summary>
    public bool ScheduleDrain() => Interlocked.Exchange(ref _drainScheduled, 1) == 0;

    /// <summary>App side: completes at once while there is room, else when the reactor has made some (or the client is gone).</summary>
    public ValueTask<FlushResult> WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_gone || (!_held && Volatile.Read(ref _inFlight) <= PauseThreshold))
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: _gone));
            }
            cancellationToken.ThrowIfCancellationRequested();
            _waiter.Reset();
            _waiting = true;
            if (cancellationToken.CanBeCanceled)
            {
                _waitCancellation = cancellationToken.UnsafeRegister(static state => ((ResponseOutbox)state!).CancelWait(), this);
            }
            return new ValueTask<FlushResult>(this, _waiter.Version);
        }
    }

    private void CancelWait()
    {
        lock (_lock)
        {
            if (_waiting)
            {
                _waiting = false;
                _waiter.SetException(new OperationCanceledException("The flush was canceled while the client was slow to take the response."));
            }
        }
    }

    /// <summary>The buffers in flight, counted as the pause counts them (for tests of the bound).</summary>
    internal long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>App side, a hint: the client is gone, so what the app writes now can be dropped where it is written.</summary>
    public bool IsGone => Volatile.Read(ref _gone);

    /// <summary>Reactor side: true while a write waits for the connection (the finish then waits for it too).</summary>
    public bool IsHeld => _held;

    /// <summary>Reactor side: writes every segment to the exchange's streamed body, returning the arrays.</summary>
    public void WriteTo(HttpExchange exchange) => WriteTo(exchange, static (target, bytes) => target.WriteStreamed(bytes));

    /// <summary>Reactor side: hands every segment to <paramref name="write"/>, in order, returning the arrays.</summary>
    public void WriteTo<TTarget>(TTarget target, Action<TTarget, ReadOnlySpan<byte>> write)
    {
        AllowNextDrain();
        if (_queued.Count == 0)
        {
            // Nothing queued (a response finished on the reactor, with nothing flushed off it): no lock, where taking and
            // giving back the empty list took two, 2% of a request inline. A segment whose count this look missed was
            // added after the flag was cleared, with a full fence: its flush finds no drain scheduled and posts one.
            return;
        }
        var taken = TakeQueued();
        try
        {
            foreach (var (array, length) in taken)
            {
                write(target, array.AsSpan(0, length));
            }
        }
        finally
        {
            ReturnTaken(taken); // all of them, the rest too if a write threw (the response then fails)
        }
    }

    /// <summary>Reactor side: the queued segments, swapped out under the lock for the spare list (empty).</summary>
    private List<(byte[] Array, int Length)> TakeQueued()
    {
        lock (_lock)
        {
            var taken = _queued;
            _queued = _spare ?? [];
            _spare = null; // the taken list becomes the spare once its segments are returned
            return taken;
        }
    }

    private void ReturnTaken(List<(byte[] Array, int Length)> taken)
    {
        foreach (var (array, _) in taken)
        {
            writer.Return(array);
            Interlocked.Add(ref _inFlight, -array.Length);
        }
        taken.Clear();
        lock (_lock)
        {
            _spare ??= taken;
        }
    }

    /// <summary>
    /// Reactor side, before taking the segments: one added from now on schedules another drain. Cleared with a locked
    /// exchange, a full fence, not a plain store: the look at the queue after it must not be made before the store is
    /// seen, or a segment added in between (its flush finding a drain still scheduled) would wait, with no drain to
    /// come, until the response's next flush or its end: an event of an event stream held back until the next.
    /// </summary>
    private void AllowNextDrain() => Interlocked.Exchange(ref _drainScheduled, 0);

    /// <summary>Reactor side: the connection pushes back; flushes wait until <see cref="Release"/>.</summary>
    public void Hold() => _held = true;

    /// <summary>Reactor side: the connection takes more (<paramref name="gone"/>: the client left; flushes complete with IsCompleted).</summary>
    public void Release(bool gone = false)
    {
        lock (_lock)
        {
            _held = false;
            _gone |= gone;
        }
        WakeIfRoom();
    }

    /// <summary>Reactor side: the client is gone: what was flushed is dropped.</summary>
    public void Drop()
    {
        AllowNextDrain();
        ReturnTaken(TakeQueued());
        Release(gone: true);
    }

    /// <summary>Reactor side: wakes a waiting flush once there is room.</summary>
    public void WakeIfRoom()
    {
        lock (_lock)
        {
            if (!_waiting || (!_gone && (_held || Volatile.Read(ref _inFlight) > PauseThreshold)))
            {
                return;
            }
            _waiting = false;
            _waitCancellation.Dispose();
            _waiter.SetResult(new FlushResult(isCanceled: false, isCompleted: _gone));
        }
    }

    /// <summary>Reactor side, after a backpressure wait: its outcome.</summary>
    public static bool ClientGone(ValueTask backpressure)
    {
        try
        {
            backpressure.GetAwaiter().GetResult();
            return false;
        }
        catch (ConnectionResetException)
        {
            return true;
        }
    }

    /// <summary>
    /// Ready for another request (nothing is in flight: the response is complete). An outbox the request never used
    /// (most responses are packed whole on the lane, or written on the reactor) has nothing to take back: its reset
    /// takes no lock, where taking back took five, each a line the reactor's core may hold (2% of a pipelined
    /// request). What the reactor did last is seen here: the run is let go after the last of its holders, with a
    /// locked decrement, a full fence.
    /// </summary>
    public void Reset()
    {
        ReleaseStaged();
        // A flush waiting for room implies segments queued or the outbox held; segments published and all drained leave
        // nothing to take back.
        if (_held || _gone || Volatile.Read(ref _drainScheduled) != 0 || _queued.Count != 0)
        {
            Drop();
            lock (_lock)
            {
                _held = _gone = _waiting = false;
            }
        }
        HasPublished = false;
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
