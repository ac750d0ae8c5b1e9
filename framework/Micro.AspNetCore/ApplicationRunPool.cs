using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Logging;

namespace Micro.AspNetCore;

/// <summary>
/// Runs kept for reuse, shared by the reactors (a run may end on any thread): at most <see cref="Capacity"/> of them,
/// enough for the requests in flight under heavy pipelining (256 connections sixteen deep is 4,096; with a cap of 1,024
/// the rest were made anew each time, and the collector took a quarter of the CPU). A run holds about 7 KB.
/// </summary>
internal sealed class ApplicationRunPool<TContext>(IHttpApplication<TContext> application, MicroServerHostOptions options, ILogger logger)
    where TContext : notnull
{
    public const int Capacity = 8192;

    private readonly ConcurrentQueue<ApplicationRun<TContext>> _runs = new();
    private int _count;

    public ApplicationRun<TContext> Rent()
    {
        if (_runs.TryDequeue(out var run))
        {
            Interlocked.Decrement(ref _count);
            return run;
        }
        return new ApplicationRun<TContext>(application, this, options, logger);
    }

    public void Return(ApplicationRun<TContext> run)
    {
        if (Interlocked.Increment(ref _count) <= Capacity)
        {
            _runs.Enqueue(run);
        }
        else
        {
            Interlocked.Decrement(ref _count); // beyond the bound: left to the collector
        }
    }

    /// <summary>Runs kept now (for tests of the bound).</summary>
    public int Count => Volatile.Read(ref _count);
}
