using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// With inline scheduling a request starts, and almost always ends, on its reactor's thread: each reactor thread keeps
/// the run its last request let go for its next, which then takes it without the pool's lock (a line both reactors'
/// requests would write), hot in the core's cache. One run per reactor at most, held while the reactor is idle and
/// gone with its thread. Kept here, not in the generic pool: a thread-static of shared generic code is found through
/// a lookup on every access, which cost what the lock did.
/// </summary>
internal static class ReactorSpareRun
{
    [ThreadStatic]
    private static RequestFeatures? t_run; // set only on a reactor thread

    [ThreadStatic]
    private static IRunPool? t_pool;

    /// <summary>The run this thread kept for <paramref name="pool"/>, if any (null: take one from the pool).</summary>
    public static RequestFeatures? Take(IRunPool pool)
    {
        if (t_run is not { } run || t_pool != pool)
        {
            return null;
        }
        t_run = null;
        return run;
    }

    /// <summary>
    /// On a reactor thread that holds none of <paramref name="pool"/>'s: keeps <paramref name="run"/> for the reactor's
    /// next request (false: not a reactor thread, or it keeps one already). A run another pool left on this thread (a
    /// server stopped and another started on it) goes back to that pool: it carries that application's pipeline.
    /// </summary>
    public static bool Keep(IRunPool pool, RequestFeatures run)
    {
        if (Reactor.Current is null || (t_run is not null && t_pool == pool))
        {
            return false;
        }
        if (t_run is { } othersRun)
        {
            t_pool!.ReturnShared(othersRun);
        }
        (t_run, t_pool) = (run, pool);
        return true;
    }
}
