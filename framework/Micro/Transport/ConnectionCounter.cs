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
}
