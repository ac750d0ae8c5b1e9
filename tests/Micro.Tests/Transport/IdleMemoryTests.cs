using Micro.Transport;

namespace Micro.Tests.Transport;

/// <summary>
/// Issue 23: memory comes back when load goes. The pools let go of what no rent needed for a whole tick, half at a
/// time down to a floor; the process gives memory back once it is quiet (the figures: benchmarks/README.md).
/// </summary>
public sealed class IdleMemoryTests
{
    [Fact]
    public void A_pool_keeps_what_it_uses_and_lets_go_of_half_of_what_it_did_not_each_tick()
    {
        var pool = new BlockPool(4096, maxRetained: 1024);
        var burst = Enumerable.Range(0, 200).Select(_ => pool.Rent()).ToList();
        burst.ForEach(pool.Return);                 // a burst needed 200 blocks; all are free again
        Assert.Equal(0, pool.TrimIdle());           // the burst's tick: the fewest free was 0, all were needed
        for (var quiet = 1; quiet < IdleSurplus.QuietTicks; quiet++)
        {
            Assert.Equal(0, pool.TrimIdle());       // quiet, but not for long enough: load may only be pausing
        }
        Assert.Equal(92L * 4096, pool.TrimIdle());  // quiet for 5 ticks: half of the 184 above the floor of 16 go
        Assert.Equal(46L * 4096, pool.TrimIdle());  // and half again each tick after
        for (var tick = 0; tick < 20; tick++)
        {
            pool.TrimIdle();
        }
        Assert.Equal(0, pool.TrimIdle());           // down to the floor, which stays

        // Steady use: a block rented and returned every tick is never taken from a pool that has only what it uses.
        var steady = new BlockPool(4096, maxRetained: 1024);
        var used = Enumerable.Range(0, 10).Select(_ => steady.Rent()).ToList();
        used.ForEach(steady.Return);
        for (var tick = 0; tick < 5; tick++)
        {
            var again = Enumerable.Range(0, 10).Select(_ => steady.Rent()).ToList();
            again.ForEach(steady.Return);
            Assert.Equal(0, steady.TrimIdle());
        }
    }

    [Theory]
    [InlineData(10_000, 8L << 20, 30_000, true)]
    [InlineData(9_999, 8L << 20, 30_000, false)]      // not quiet long enough: load may be pausing, not gone
    [InlineData(10_000, (8L << 20) - 1, 30_000, false)] // not enough to give back: not worth a collection
    [InlineData(60_000, 64L << 20, 29_999, false)]    // too soon after the last one
    public void Memory_is_given_back_only_after_a_quiet_spell_when_enough_has_grown_and_not_too_often(long quietFor, long growth, long sinceLast, bool expected) =>
        Assert.Equal(expected, MemoryGiveBack.ShouldGiveBack(quietFor, growth, sinceLast));
}
