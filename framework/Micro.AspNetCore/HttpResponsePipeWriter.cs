using System.Buffers;
using System.IO.Pipelines;

namespace Micro.AspNetCore;

/// <summary>
/// HttpResponse.BodyWriter on Micro: what the app writes collects in pooled segments until it flushes (or the
/// request ends, when a body written whole is sent with a Content-Length); a flush hands the segments to the exchange
/// on its reactor and completes when the connection can take more, so a slow client holds the app back.
/// </summary>
internal sealed class HttpResponsePipeWriter(RequestFeatures owner) : PipeWriter
{
    private const int SegmentSize = 4096;
    private byte[]?[] _segments = new byte[]?[4];
    private int[] _lengths = new int[4];
    private int _count; // segments in use; the last one is being written
    private long _unflushed;
    private long _flushed; // this response's body bytes already handed on: with _unflushed, what the app wrote (Content-Length's check)
    private bool _completed;
    private readonly byte[] _own = new byte[SegmentSize]; // the first segment of most responses: no rent on one thread and return on another
    private volatile bool _ownInUse;                      // until the reactor has copied it out

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public bool IsCompleted => _completed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ThrowIfCompleted();
        owner.MarkStarted(); // as on Kestrel, the response has started once its body is written to
        var wanted = Math.Max(sizeHint, 1);
        if (_count == 0 || _segments[_count - 1]!.Length - _lengths[_count - 1] < wanted)
        {
            AddSegment(Math.Max(wanted, SegmentSize));
        }
        var last = _count - 1;
        return _segments[last].AsMemory(_lengths[last]);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            return;
        }
        owner.VerifyBodyWrite(_flushed + _unflushed + bytes);
        var last = _count - 1;
        if (last < 0 || _lengths[last] + bytes > _segments[last]!.Length)
        {
            // An argument out of range, as a pipe's writer (and Kestrel's) says it: code that catches that type still does.
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Advance went past the memory GetMemory returned.");
        }
        _lengths[last] += bytes;
        _unflushed += bytes;
    }

    private void AddSegment(int size)
    {
        if (_count == _segments.Length)
        {
            Array.Resize(ref _segments, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
        }
        if (size <= SegmentSize && !_ownInUse)
        {
            _ownInUse = true;
            _segments[_count] = _own;
        }
        else
        {
            _segments[_count] = ArrayPool<byte>.Shared.Rent(size);
        }
        _lengths[_count] = 0;
        _count++;
    }

    /// <summary>Hands every unflushed byte to <paramref name="write"/>, in order, and lets the segments go.</summary>
    public void Drain<TState>(TState state, Action<TState, ReadOnlySpan<byte>> write)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_lengths[i] > 0)
            {
                write(state, _segments[i].AsSpan(0, _lengths[i]));
            }
        }
        Release();
    }

    /// <summary>A segment whose bytes have been copied out: the writer's own is free again, a rented one goes back to the pool.</summary>
    public void Return(byte[] segment)
    {
        if (ReferenceEquals(segment, _own))
        {
            _ownInUse = false;
        }
        else
        {
            ArrayPool<byte>.Shared.Return(segment);
        }
    }

    /// <summary>Hands every written segment to <paramref name="outbox"/> (no copy: the arrays go with them), or stages them there.</summary>
    public void MoveTo(ResponseOutbox outbox, bool stage = false)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_lengths[i] > 0)
            {
                if (stage)
                {
                    outbox.Stage(_segments[i]!, _lengths[i]);
                }
                else
                {
                    outbox.Add(_segments[i]!, _lengths[i]);
                }
            }
            else
            {
                Return(_segments[i]!);
            }
            _segments[i] = null;
        }
        _count = 0;
        _flushed += _unflushed;
        _unflushed = 0;
    }

    /// <summary>Drops what was written and not flushed (as when the response is reset after a failure).</summary>
    public void Release()
    {
        for (var i = 0; i < _count; i++)
        {
            Return(_segments[i]!);
            _segments[i] = null;
        }
        _count = 0;
        _unflushed = 0;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => owner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => owner.CancelPendingFlush();

    /// <summary>
    /// The app completed the body (as on Kestrel, the response ends: its bytes go out while the app goes on); a write
    /// after it throws. Completed with an exception, the writer only stops: the app's failure ends the response.
    /// </summary>
    public override void Complete(Exception? exception = null)
    {
        if (MarkCompleted(exception))
        {
            _ = owner.CompleteResponseAsync(appAwaits: false); // what it may throw (an OnStarting callback's failure) is logged there
        }
    }

    public override ValueTask CompleteAsync(Exception? exception = null) =>
        MarkCompleted(exception) ? new ValueTask(owner.CompleteResponseAsync()) : ValueTask.CompletedTask;

    /// <summary>True when this completion is the app's first, and a clean one.</summary>
    private bool MarkCompleted(Exception? exception)
    {
        var first = !_completed;
        _completed = true;
        return first && exception is null;
    }

    /// <summary>The server ends the body (the response is being completed): writes are refused from now on.</summary>
    public void CompleteForServer() => _completed = true;

    /// <summary>Ready for another request.</summary>
    public void Reset()
    {
        Release();
        _flushed = 0;
        _completed = false;
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }
    }
}
