using Micro.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The pools of request runs and of lane batches: bounded whatever the peak of requests in flight, last in, first out,
/// and, with inline scheduling, a run passed from request to request on its reactor's thread without the pool.
/// </summary>
public sealed class ApplicationRunPoolTests : IDisposable
{
    private readonly Reactor _reactor = new(0, new TransportOptions { EndPoints = [], ReactorCount = 1 }, new ReactorLog(NullLogger.Instance),
        new ConnectionCounter(null), _ => throw new InvalidOperationException("no connection is accepted here"));

    public ApplicationRunPoolTests() => _reactor.Start();

    public void Dispose() => _reactor.BeginStop();

    private static ApplicationRunPool<object> Pool(ApplicationScheduling scheduling) =>
        new(new NoApplication(), new MicroServerHostOptions { Scheduling = scheduling }, NullLogger.Instance);

    /// <summary>Runs <paramref name="work"/> on the reactor's thread and waits for it.</summary>
    private async Task OnReactor(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.Post(_ =>
        {
            try
            {
                work();
                done.TrySetResult();
            }
            catch (Exception error)
            {
                done.TrySetException(error);
            }
        }, null);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Inline_a_reactor_hands_each_request_the_run_the_one_before_let_go_without_the_pool()
    {
        var pool = Pool(ApplicationScheduling.Inline);
        var taken = new List<ApplicationRun<object>>();
        var keptByPool = new List<int>();
        await OnReactor(() =>
        {
            for (var i = 0; i < 16; i++)
            {
                var run = pool.Rent(); // as a request starts on the reactor
                taken.Add(run);
                pool.Return(run); // as its response completes there
                keptByPool.Add(pool.Count);
            }
        });
        Assert.All(taken, run => Assert.Same(taken[0], run)); // one run served them all
        Assert.All(keptByPool, count => Assert.Equal(0, count)); // kept by the reactor, not put back through the pool's lock
        var second = pool.Rent(); // off the reactor: the pool's own, not the reactor's
        Assert.NotSame(taken[0], second);
        pool.Return(second); // off any reactor: back to the pool
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task On_the_thread_pool_a_run_let_go_on_a_reactor_goes_back_to_the_pool()
    {
        // The lane (another thread) takes the next request's run: one a reactor kept would sit out of its reach.
        var pool = Pool(ApplicationScheduling.ThreadPool);
        var run = pool.Rent();
        await OnReactor(() => pool.Return(run));
        Assert.Equal(1, pool.Count);
        Assert.Same(run, pool.Rent());
    }

    [Fact]
    public async Task A_run_a_reactor_keeps_serves_only_its_own_applications_requests_and_goes_home_when_replaced()
    {
        // Two applications inline on one reactor thread (a server stopped and another started on it): the run one left
        // there carries its own pipeline and must never start the other's request.
        var first = Pool(ApplicationScheduling.Inline);
        var second = Pool(ApplicationScheduling.Inline);
        var firstsRun = first.Rent();
        ApplicationRun<object>? taken = null;
        await OnReactor(() =>
        {
            first.Return(firstsRun); // kept by the reactor, for the first application
            taken = second.Rent();
            second.Return(taken); // the reactor now keeps the second's; the first's goes back to its pool
        });
        Assert.NotSame(firstsRun, taken);
        Assert.Equal(1, first.Count);
        Assert.Same(firstsRun, first.Rent());
        Assert.Equal(0, second.Count);
    }

    [Fact]
    public void Keeps_at_most_its_capacity_of_runs_and_hands_out_the_last_returned_first()
    {
        var pool = Pool(ApplicationScheduling.ThreadPool);
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
