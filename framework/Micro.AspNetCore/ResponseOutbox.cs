using System.Collections.Concurrent;
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
    /// <summary>As Kestrel's output pipe pauses its writer (MaxResponseBufferSize): 64 KiB in flight.</summary>
    public const long PauseThreshold = 64 * 1024;

    private readonly ConcurrentQueue<(byte[] Array, int Length)> _segments = new();
    private readonly object _lock = new();
    private long _inFlight;
    private int _drainScheduled;
    private bool _held;
    private bool _gone;
    private bool _waiting;
    private ManualResetValueTaskSourceCore<FlushResult> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _waitCancellation;

    /// <summary>App side: a segment the writer filled; the outbox owns the pooled array from now on.</summary>
    public void Add(byte[] array, int length)
    {
        HasPublished = true;
        _segments.Enqueue((array, length));
        Interlocked.Add(ref _inFlight, length);
    }

    private readonly List<(byte[] Array, int Length)> _staged = [];
    private int _stagedCount;
    private long _stagedBytes;

    /// <summary>
    /// App side, in the request's first part on its lane: a flushed segment kept back, to go with the whole response
    /// if the request completes in that part, or to be published when it goes on (RequestFeatures.Lane.cs).
    /// </summary>
    public void Stage(byte[] array, int length)
    {
        _staged.Add((array, length));
        _stagedBytes += length;
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

    /// <summary>Reactor side: true while a write waits for the connection (the finish then waits for it too).</summary>
    public bool IsHeld => _held;

    /// <summary>Reactor side: writes every segment to the exchange's streamed body, returning the arrays.</summary>
    public void WriteTo(HttpExchange exchange) => WriteTo(exchange, static (target, bytes) => target.WriteStreamed(bytes));

    /// <summary>Reactor side: hands every segment to <paramref name="write"/>, in order, returning the arrays.</summary>
    public void WriteTo<TTarget>(TTarget target, Action<TTarget, ReadOnlySpan<byte>> write)
    {
        AllowNextDrain();
        while (_segments.TryDequeue(out var segment))
        {
            try
            {
                write(target, segment.Array.AsSpan(0, segment.Length));
            }
            finally
            {
                writer.Return(segment.Array);
                Interlocked.Add(ref _inFlight, -segment.Length);
            }
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
        while (_segments.TryDequeue(out var segment))
        {
            writer.Return(segment.Array);
            Interlocked.Add(ref _inFlight, -segment.Length);
        }
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

    /// <summary>Ready for another request (nothing is in flight: the response is complete).</summary>
    public void Reset()
    {
        ReleaseStaged();
        Drop();
        lock (_lock)
        {
            _held = _gone = _waiting = false;
        }
        HasPublished = false;
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
