using System.Runtime.CompilerServices;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// Work handed to the reactor: posted from any thread (woken through its eventfd once per batch) or queued on it,
/// run once per turn after the I/O events; flushes made while it runs leave in one send per connection at its end.
/// Whether the caller is on the reactor's thread (where work runs, and what every response write checks) is told
/// by its stack (<see cref="ThreadStack"/>).
/// </summary>
internal sealed unsafe partial class Reactor
{
    private int _wakePending;
    private long _wakes;

    /// <summary>How many times another thread has woken this reactor (its eventfd written): work handed over from off the reactor, for tests and diagnostics.</summary>
    internal long Wakes => Interlocked.Read(ref _wakes);

    /// <summary>Queues work for the reactor thread from any thread.</summary>
    public void Post(SendOrPostCallback callback, object? state)
    {
        if (IsOnReactorThread)
        {
            _localWork.Enqueue((callback, state));
            return;
        }
        _remoteWork.Enqueue((callback, state));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            // Under the lock that also guards closing: once the reactor has ended, its fd number may belong to
            // someone else (a socket, a runtime pipe), and 8 bytes written there would corrupt it.
            lock (_wakeLock)
            {
                if (!_wakeClosed)
                {
                    _wakes++; // under the lock: one writer at a time
                    ulong one = 1;
                    Libc.Write(_wakeFd, (byte*)&one, sizeof(ulong));
                }
            }
        }
    }

    /// <summary>Queues work to run after the current batch of events, on this thread.</summary>
    public void PostLocal(SendOrPostCallback callback, object? state) => _localWork.Enqueue((callback, state));

    private void RunQueuedWork()
    {
        Interlocked.Exchange(ref _wakePending, 0);
        while (_remoteWork.TryDequeue(out var work))
        {
            _localWork.Enqueue(work);
        }
        // Work queued while running this batch waits for the next turn, so a busy async chain cannot starve I/O.
        IsRunningQueuedWork = true;
        try
        {
            for (var pending = _localWork.Count; pending > 0 && _localWork.TryDequeue(out var work); pending--)
            {
                try
                {
                    work.Callback(work.State);
                }
                catch (Exception exception)
                {
                    Log.CallbackFailed(Index, exception);
                }
            }
        }
        finally
        {
            IsRunningQueuedWork = false;
        }
        SendDeferred();
    }

    /// <summary>
    /// While queued work runs (async handlers completing, posted writes), flushes wait for the batch's end: answers
    /// completed in one batch on one connection (a pipeline's, finished off the reactor) leave in one send.
    /// </summary>
    public bool IsRunningQueuedWork { get; private set; }

    private readonly List<TransportConnection> _deferredSends = [];

    /// <summary>A connection flushed during queued work: it sends once the batch is done.</summary>
    public void SendAfterQueuedWork(TransportConnection connection) => _deferredSends.Add(connection);

    private void SendDeferred()
    {
        for (var i = 0; i < _deferredSends.Count; i++)
        {
            var connection = _deferredSends[i];
            try
            {
                connection.SendDeferred();
            }
            catch (Exception exception)
            {
                ContainFailure(connection, exception);
            }
        }
        _deferredSends.Clear();
    }

    /// <summary>
    /// The address range of one thread's stack, to tell whether the calling code runs on that thread from where one of
    /// its own locals lies: threads' stacks never overlap, so a frame inside the range is that thread's. The reactor asks
    /// at every response write whether it is on its thread; reading the current thread instead (a [ThreadStatic]) is a
    /// call to <c>__tls_get_addr</c> in a runtime loaded as a shared library, and the up to three per response were 2%
    /// of a pipelined request's managed path. Unknown (every answer false) until taken, and after <see cref="Forget"/>.
    /// </summary>
    internal struct ThreadStack
    {
        private nuint _low;
        private nuint _size;

        /// <summary>The calling thread's stack as the C library knows it (<c>pthread_getattr_np</c>); unknown when it cannot say.</summary>
        public static ThreadStack OfCallingThread()
        {
            var attributes = stackalloc byte[Libc.PthreadAttributesSize];
            if (Libc.PthreadGetAttrNp(Libc.PthreadSelf(), attributes) != 0)
            {
                return default;
            }
            try
            {
                void* low;
                nuint size;
                return Libc.PthreadAttrGetStack(attributes, &low, &size) == 0 ? new ThreadStack { _low = (nuint)low, _size = size } : default;
            }
            finally
            {
                _ = Libc.PthreadAttrDestroy(attributes);
            }
        }

        public readonly bool IsKnown => _size != 0;

        /// <summary>
        /// True when the caller runs on this stack's thread. Read from any thread while its owner sets or forgets it: a
        /// torn read (one field new, one old) is a range no other thread's frame lies in, or an empty one, so false, as
        /// it must be for a caller that is not the owner.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly bool HoldsCallingFrame()
        {
            byte frame = 0;
            return (nuint)(&frame) - _low < _size;
        }

        /// <summary>Called by the owner as it ends: its stack's addresses may then be given to a new thread.</summary>
        public void Forget() => _size = 0;
    }
}
