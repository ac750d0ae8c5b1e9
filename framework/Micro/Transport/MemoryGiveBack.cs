using System.Runtime;

namespace Micro.Transport;

/// <summary>
/// Gives memory back to the system once load has gone. Under load the collector's budgets and the pools grow to what
/// the load needs; a quiet server then allocates nothing, so no collection comes to give that memory back, and the
/// process would stay at its busiest size for good (issue 23 saw 58 -> 154 MB). So, looked at once a second from the
/// reactors' ticks: once the process has allocated almost nothing for 10 s (the pools have let go of most of a burst by then), and holds at least 8 MiB more than after
/// the last give-back, one aggressive collection (compacting, decommitting what is free) runs on the thread pool, at
/// most every 30 s. A pause of milliseconds, on a server that has just become quiet.
/// </summary>
internal static class MemoryGiveBack
{
    private const long QuietAllocationPerSecond = 256 * 1024;
    private const long QuietForMilliseconds = 10_000;
    private const long WorthGivingBack = 8 * 1024 * 1024;
    private const long MinimumIntervalMilliseconds = 30_000;

    private static long s_lastLook;
    private static long s_allocatedAtLastLook;
    private static long s_quietSince = -1;
    private static long s_committedAfterGiveBack;
    private static long s_lastGiveBack = -MinimumIntervalMilliseconds;

    /// <summary>A reactor's tick: looks (once a second across all reactors) whether the load has gone.</summary>
    public static void OnTick()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref s_lastLook);
        if (now - last < 1000 || Interlocked.CompareExchange(ref s_lastLook, now, last) != last)
        {
            return; // another reactor looked this second
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var perSecond = allocated - s_allocatedAtLastLook;
        s_allocatedAtLastLook = allocated;
        if (perSecond > QuietAllocationPerSecond)
        {
            s_quietSince = -1;
            return;
        }
        if (s_quietSince < 0)
        {
            s_quietSince = now;
            return;
        }
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        if (!ShouldGiveBack(now - s_quietSince, committed - s_committedAfterGiveBack, now - s_lastGiveBack))
        {
            return;
        }
        s_lastGiveBack = now;
        ThreadPool.UnsafeQueueUserWorkItem(static _ =>
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Interlocked.Exchange(ref s_committedAfterGiveBack, GC.GetGCMemoryInfo().TotalCommittedBytes);
        }, null);
    }

    /// <summary>The decision: quiet long enough, enough to give back, and not too soon after the last time.</summary>
    internal static bool ShouldGiveBack(long quietForMilliseconds, long committedGrowth, long sinceLastGiveBackMilliseconds) =>
        quietForMilliseconds >= QuietForMilliseconds && committedGrowth >= WorthGivingBack && sinceLastGiveBackMilliseconds >= MinimumIntervalMilliseconds;
}
