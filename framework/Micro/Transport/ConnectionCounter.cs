namespace Micro.Transport;

/// <summary>The process-wide count of open connections, checked against the configured maximum at accept.</summary>
internal sealed class ConnectionCounter(int? max)
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _count) <= (max ?? int.MaxValue))
        {
            return true;
        }
        Interlocked.Decrement(ref _count);
        return false;
    }

    public void Release()
    {
        var count = Interlocked.Decrement(ref _count);
        Changed?.Invoke(count);
    }

    /// <summary>Raised after a connection closes, with the new count (on the closing reactor's thread).</summary>
    public event Action<int>? Changed;

    /// <summary>Completes once at most <paramref name="count"/> connections are open (for tests and diagnostics).</summary>
    public Task WaitForCountAsync(int count, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(int current)
        {
            if (current <= count)
            {
                reached.TrySetResult();
            }
        }
        Changed += OnChanged;
        OnChanged(Count);
        return reached.Task.WaitAsync(cancellationToken).ContinueWith(task =>
        {
            Changed -= OnChanged;
            return task;
        }, TaskScheduler.Default).Unwrap();
    }
}
