using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.AspNetCore.Tests;

/// <summary>The pools of request runs and of lane batches: bounded whatever the peak of requests in flight, and last in, first out.</summary>
public sealed class ApplicationRunPoolTests
{
    [Fact]
    public void Keeps_at_most_its_capacity_of_runs_and_hands_out_the_last_returned_first()
    {
        var pool = new ApplicationRunPool<object>(new NoApplication(), new MicroServerHostOptions(), NullLogger.Instance);
        var runs = Enumerable.Range(0, ApplicationRunPool<object>.Capacity + 100).Select(_ => pool.Rent()).ToList(); // a peak past the bound
        Assert.Equal(0, pool.Count);
        foreach (var run in runs)
        {
            pool.Return(run);
        }
        Assert.Equal(ApplicationRunPool<object>.Capacity, pool.Count); // the rest are left to the collector
        Assert.Same(runs[ApplicationRunPool<object>.Capacity - 1], pool.Rent()); // the last one kept comes back first, still in cache
        Assert.Equal(ApplicationRunPool<object>.Capacity - 1, pool.Count);
    }

    [Fact]
    public void The_lanes_batches_are_kept_up_to_their_bound_and_reused_last_first()
    {
        var pool = new LaneBatchPool();
        var batches = Enumerable.Range(0, LaneBatchPool.Capacity + 10).Select(_ => pool.Rent()).ToList();
        foreach (var batch in batches)
        {
            pool.Return(batch);
        }
        Assert.Equal(LaneBatchPool.Capacity, pool.Count);
        Assert.Same(batches[LaneBatchPool.Capacity - 1], pool.Rent());
    }
}
