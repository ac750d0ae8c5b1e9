namespace Micro.AspNetCore;

/// <summary>
/// Batches kept for the lanes of one server: a lane takes one for a pass that completes requests, the reactor hands
/// it back once it has run it. Shared by the server's lanes rather than kept by each, so an idle connection holds none,
/// and a lane whose passes outrun its reactor (a pass may end while the reactor is still handing it the rest of a
/// pipeline) takes another instead of allocating one. Last in, first out; at most <see cref="Capacity"/> kept.
/// </summary>
internal sealed class LaneBatchPool
{
    public const int Capacity = 256;

    private readonly Lock _lock = new();
    private readonly Stack<LaneBatch> _batches = new();

    public LaneBatch Rent()
    {
        lock (_lock)
        {
            if (_batches.TryPop(out var batch))
            {
                return batch;
            }
        }
        return new LaneBatch(this);
    }

    /// <summary>On the reactor, once it has run <paramref name="batch"/>.</summary>
    public void Return(LaneBatch batch)
    {
        lock (_lock)
        {
            if (_batches.Count < Capacity)
            {
                _batches.Push(batch);
            }
        }
    }

    /// <summary>Batches kept now (for tests of the bound).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _batches.Count;
            }
        }
    }
}
