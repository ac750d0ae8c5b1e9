using System.Buffers;
using System.IO.Pipelines;

namespace Micro.AspNetCore;

/// <summary>
/// HttpRequest.BodyReader on Micro (IRequestBodyPipeFeature), given by the server as Kestrel gives it, where ASP.NET
/// Core would otherwise wrap a PipeReader around HttpRequest.Body for every request that reads one (minimal APIs and
/// MVC read JSON bodies through it). A body that arrived whole is handed over in place: no copy, nothing allocated. A
/// streamed body is read through the request's body stream (its limit, its errors) into one rented buffer that holds
/// what the reader has not consumed; the body stream hands those bytes out first, so the two read one body. Reused
/// with its request's features.
/// </summary>
internal sealed class HttpRequestPipeReader(HttpRequestStream body, RequestFeatures owner) : PipeReader
{
    /// <summary>
    /// The most a reader may hold without consuming it when the request has no body size limit (with one, the limit
    /// bounds it: the body stream refuses the bytes past it with 413).
    /// </summary>
    internal const int MostHeldWithoutLimit = 16 * 1024 * 1024;

    private const int FirstBufferSize = 4096;

    private byte[]? _held; // a streamed body's bytes read and not consumed: [_start, _end)
    private int _start;
    private int _end;
    private bool _examinedAll; // the reader has looked at all it holds: the next read brings more
    private bool _ended; // the body stream said the body ended
    private bool _inPlace; // the last result was a whole body lent in place
    private ReadOnlySequence<byte> _given; // the last result's bytes, which AdvanceTo's positions point into
    private bool _resultOut; // a result was given and not advanced yet
    private bool _completed;
    private int _cancelNext; // CancelPendingRead with no read waiting: the next read returns canceled
    private CancellationTokenSource? _waitingRead; // cancels a read waiting for the client; reused until it fires

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryRead(out var result))
        {
            return new ValueTask<ReadResult>(result);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return ReadMoreAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfUnusable();
        if (_resultOut)
        {
            throw new InvalidOperationException("Reading is already in progress: AdvanceTo the last result before reading again.");
        }
        if (Interlocked.Exchange(ref _cancelNext, 0) == 1)
        {
            result = Give(canceled: true);
            return true;
        }
        if (body.TryPeekBuffered(out var rest))
        {
            _inPlace = true;
            _given = new ReadOnlySequence<byte>(rest);
            _resultOut = true;
            result = new ReadResult(_given, isCanceled: false, isCompleted: true);
            return true;
        }
        if (_ended || (_end > _start && !_examinedAll))
        {
            result = Give(canceled: false);
            return true;
        }
        result = default;
        return false;
    }

    private async ValueTask<ReadResult> ReadMoreAsync(CancellationToken cancellationToken)
    {
        MakeRoom();
        if (_waitingRead is { IsCancellationRequested: true })
        {
            _waitingRead = null; // cancelled after the read it was meant for had finished
        }
        var waiting = _waitingRead ??= new CancellationTokenSource();
        using var caller = cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), waiting);
        int read;
        try
        {
            // On the context it was called on, as the body stream's own reads (inline: the reactor's).
            read = await body.ReadBodyAsync(_held.AsMemory(_end), waiting.Token).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested)
        {
            _waitingRead = null; // spent: a later read makes another
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Exchange(ref _cancelNext, 0); // this read was the one CancelPendingRead meant
            return Give(canceled: true);
        }
        if (read == 0)
        {
            _ended = true;
        }
        _end += read;
        _examinedAll = false;
        return Give(canceled: false);
    }

    private ReadResult Give(bool canceled)
    {
        _inPlace = false;
        _given = _held is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_held, _start, _end - _start);
        _resultOut = true;
        return new ReadResult(_given, canceled, isCompleted: _ended);
    }

    /// <summary>Space after the held bytes for the next read: the held bytes moved to the front, or a larger buffer.</summary>
    private void MakeRoom()
    {
        if (_held is null)
        {
            _held = ArrayPool<byte>.Shared.Rent(FirstBufferSize);
            return;
        }
        if (_end < _held.Length)
        {
            return;
        }
        var count = _end - _start;
        if (count <= _held.Length / 2)
        {
            _held.AsSpan(_start, count).CopyTo(_held);
        }
        else
        {
            // With a limit, the body stream refuses what passes it (413) long before this; without one, this bounds it.
            if (count >= (owner.MaxRequestBodySize is null ? MostHeldWithoutLimit : Array.MaxLength / 2))
            {
                throw new InvalidOperationException(
                    $"HttpRequest.BodyReader holds {count} bytes of the request body that it has not consumed, the most it may. Consume what was read (AdvanceTo) before asking for more.");
            }
            var larger = ArrayPool<byte>.Shared.Rent(_held.Length * 2);
            _held.AsSpan(_start, count).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_held);
            _held = larger;
        }
        (_start, _end) = (0, count);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfUnusable();
        if (!_resultOut)
        {
            throw new InvalidOperationException("No reading operation to complete: AdvanceTo follows a ReadAsync.");
        }
        // GetOffset counts from the start of the array or memory under the sequence, not from the sequence's start.
        var origin = _given.GetOffset(_given.Start);
        var consumedCount = _given.GetOffset(consumed) - origin;
        var examinedCount = _given.GetOffset(examined) - origin;
        if (examinedCount < consumedCount)
        {
            throw new InvalidOperationException("The examined position cannot be less than the consumed position.");
        }
        _resultOut = false;
        if (_inPlace)
        {
            body.SkipBuffered((int)consumedCount);
            return;
        }
        _start += (int)consumedCount;
        _examinedAll = examinedCount == _given.Length;
        if (_start == _end)
        {
            (_start, _end) = (0, 0);
            if (_ended)
            {
                owner.OnRequestBodyEnded(); // consumed to its end: its trailers are available
            }
        }
    }

    /// <summary>For the body stream: bytes this reader read and did not consume, which come before the rest of the body.</summary>
    public int TakeHeld(Span<byte> destination)
    {
        if (_end == _start)
        {
            return 0;
        }
        if (_resultOut)
        {
            throw new InvalidOperationException("The request body is being read through HttpRequest.BodyReader: advance it (AdvanceTo) before reading HttpRequest.Body.");
        }
        var count = Math.Min(destination.Length, _end - _start);
        _held.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelNext, 1); // for the next read, when none waits now
        _waitingRead?.Cancel();
    }

    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        ReturnHeld();
    }

    /// <summary>Ready for the next request: what the last one held goes back to the pool.</summary>
    public void Reset()
    {
        ReturnHeld();
        _ended = _examinedAll = _inPlace = _resultOut = _completed = false;
        _given = default;
        _cancelNext = 0;
    }

    private void ReturnHeld()
    {
        if (_held is not null)
        {
            ArrayPool<byte>.Shared.Return(_held);
            _held = null;
        }
        (_start, _end) = (0, 0);
    }

    private void ThrowIfUnusable()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }
}
