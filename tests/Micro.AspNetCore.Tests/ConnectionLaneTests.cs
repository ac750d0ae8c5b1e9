using Micro.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// A connection's lane on the thread pool: every request its reactor hands over runs, once, in the order handed,
/// whether the lane is idle, ending a pass, or running when the request comes, and whether the reactor hands a lone
/// request or a pipeline it is still reading.
/// </summary>
public sealed class ConnectionLaneTests : IDisposable
{
    private readonly Reactor _reactor = new(0, new TransportOptions { EndPoints = [], ReactorCount = 1 }, new ReactorLog(NullLogger.Instance),
        new ConnectionCounter(null), _ => throw new InvalidOperationException("no connection is accepted here"));

    public ConnectionLaneTests() => _reactor.Start();

    public void Dispose() => _reactor.BeginStop();

    [Fact]
    public void A_request_handed_over_as_the_lane_ends_its_pass_runs()
    {
        // Each request is handed over the moment the one before has run: while the lane is ending that pass, clearing
        // its flag and looking at its queue. A lane that looks before its cleared flag is seen leaves such a request
        // queued with nothing to run it; the wait below then names it.
        var lane = new ConnectionLane(_reactor, new LaneBatchPool());
        var ran = 0;
        for (var i = 0; i < RaceRounds.Count; i++)
        {
            lane.Enqueue(new Request(() => Interlocked.Increment(ref ran)), moreAhead: false);
            Assert.True(HotSpin.Until(() => Volatile.Read(ref ran) == i + 1), $"Request {i} was handed to the lane as it ended a pass and never ran.");
        }
    }

    [Fact]
    public async Task A_pipeline_read_on_the_reactor_runs_whole_and_in_order_and_so_does_the_next()
    {
        var lane = new ConnectionLane(_reactor, new LaneBatchPool());
        var order = new List<int>();
        var allRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Pipelines = 50, Depth = 16;
        for (var pipeline = 0; pipeline < Pipelines; pipeline++)
        {
            var first = pipeline * Depth;
            // As the reactor reads a pipeline: every request but the last has more behind it.
            var handed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _reactor.Post(_ =>
            {
                for (var i = 0; i < Depth; i++)
                {
                    var number = first + i;
                    lane.Enqueue(new Request(() =>
                    {
                        lock (order)
                        {
                            order.Add(number);
                            if (order.Count == Pipelines * Depth)
                            {
                                allRan.SetResult();
                            }
                        }
                    }), moreAhead: i < Depth - 1);
                }
                handed.SetResult();
            }, null);
            await handed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        await allRan.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, Pipelines * Depth), order);
    }

    [Fact]
    public async Task Requests_handed_over_while_the_lane_is_busy_run_in_the_order_handed()
    {
        // While the lane runs a request, the reactor hands over many more, each on its own; the lane takes them all at
        // once, from a hand-over that keeps the last handed first, and must put them back in the order handed.
        var lane = new ConnectionLane(_reactor, new LaneBatchPool());
        using var running = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var order = new List<int>();
        var allRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Requests = 100;
        Request Numbered(int number) => new(() =>
        {
            if (number == 0)
            {
                running.Set();
                Assert.True(release.Wait(TimeSpan.FromSeconds(10)), "The test did not let the first request go.");
            }
            lock (order)
            {
                order.Add(number);
                if (order.Count == Requests)
                {
                    allRan.SetResult();
                }
            }
        });
        _reactor.Post(_ => lane.Enqueue(Numbered(0), moreAhead: false), null);
        Assert.True(running.Wait(TimeSpan.FromSeconds(10)), "The lane did not start the first request.");
        var handed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.Post(_ =>
        {
            for (var i = 1; i < Requests; i++)
            {
                lane.Enqueue(Numbered(i), moreAhead: false);
            }
            handed.SetResult();
        }, null);
        await handed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        release.Set();
        await allRan.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, Requests), order);
    }

    [Fact]
    public async Task A_request_handed_over_again_as_soon_as_it_started_runs_each_time_and_cuts_no_chain_short()
    {
        // A connection's pending requests are reused (one per exchange): an object the lane has started may come back
        // at once, from the reactor, linked into a new chain while the lane still walks the old one. The lane reads a
        // request's link before starting it; one read after would follow the new chain, or end the old one early,
        // and requests would run twice or never (the count, or the wait, names it).
        var lane = new ConnectionLane(_reactor, new LaneBatchPool());
        const int Objects = 4, Rounds = 2_000;
        var runs = new int[Objects];
        var allRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var remaining = Objects * Rounds;
        var requests = new Request[Objects];
        for (var i = 0; i < Objects; i++)
        {
            var slot = i;
            requests[slot] = new Request(() =>
            {
                if (Interlocked.Increment(ref runs[slot]) < Rounds)
                {
                    // Handed back, and linked anew, before this start returns: the lane's walk goes on after it.
                    using var handedBack = new ManualResetEventSlim();
                    _reactor.Post(_ =>
                    {
                        lane.Enqueue(requests[slot], moreAhead: false);
                        handedBack.Set();
                    }, null);
                    Assert.True(handedBack.Wait(TimeSpan.FromSeconds(10)), "The reactor did not take the request back.");
                }
                if (Interlocked.Decrement(ref remaining) == 0)
                {
                    allRan.SetResult();
                }
            });
        }
        _reactor.Post(_ =>
        {
            for (var i = 0; i < Objects; i++)
            {
                lane.Enqueue(requests[i], moreAhead: i < Objects - 1);
            }
        }, null);
        var finished = await Task.WhenAny(allRan.Task, Task.Delay(TimeSpan.FromSeconds(30))) == allRan.Task;
        Assert.True(finished, $"The requests ran {string.Join(", ", runs)} times, not {Rounds} each: a chain was cut short.");
        Assert.All(runs, count => Assert.Equal(Rounds, count));
    }

    [Fact]
    public async Task A_pipeline_whose_last_request_still_has_bytes_behind_it_runs_once_the_reactor_has_read()
    {
        // The client's bytes end mid-request (the next head not whole yet): every request handed says more is ahead,
        // and the lane is scheduled once the reactor's turn ends, not left waiting for a request that may never come.
        var lane = new ConnectionLane(_reactor, new LaneBatchPool());
        var ran = 0;
        var allRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.Post(_ =>
        {
            for (var i = 0; i < 8; i++)
            {
                lane.Enqueue(new Request(() =>
                {
                    if (Interlocked.Increment(ref ran) == 8)
                    {
                        allRan.SetResult();
                    }
                }), moreAhead: true);
            }
        }, null);
        await allRan.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(8, Volatile.Read(ref ran));
    }

    [Fact]
    public async Task A_pass_hands_each_request_the_run_the_one_before_let_go_and_gives_it_back_to_the_pool_at_its_end()
    {
        var pool = new ApplicationRunPool<object>(new NoApplication(), new MicroServerHostOptions(), NullLogger.Instance);
        var lane = new ConnectionLane(_reactor, pool.Batches);
        var taken = new List<ApplicationRun<object>>();
        var keptByPool = new List<int>();
        var passEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Depth = 16;
        _reactor.Post(_ =>
        {
            for (var i = 0; i < Depth; i++)
            {
                lane.Enqueue(new Request(() =>
                {
                    var run = pool.Rent(); // as a request starts on the lane
                    taken.Add(run);
                    pool.Return(run); // as its response completes at once
                    keptByPool.Add(pool.Count);
                }), moreAhead: i < Depth - 1);
            }
            // Runs on the reactor once the lane's pass has posted its batch, which it does after giving the run back.
            lane.Enqueue(new Request(() => _reactor.Post(_ => passEnded.TrySetResult(), null)), moreAhead: false);
        }, null);
        await passEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Depth, taken.Count);
        Assert.All(taken, run => Assert.Same(taken[0], run)); // one run served the whole pipeline
        Assert.All(keptByPool, count => Assert.Equal(0, count)); // kept by the lane, not put back through the pool's lock
        Assert.True(HotSpin.Until(() => pool.Count == 1), $"The pool kept {pool.Count} runs after the pass, not the one its requests shared: an idle lane must hold none.");
        Assert.Same(taken[0], pool.Rent());
    }

    [Fact]
    public async Task A_run_kept_by_a_pass_serves_only_its_own_applications_requests()
    {
        // Two applications in one process (two servers, or an app and its test host): a request of one may let go of
        // a run of the other on this lane's thread (an app completing another's wait at once). The pass keeps that run,
        // but must never hand it to its own application's next request: it carries the other app's pipeline.
        var mine = new ApplicationRunPool<object>(new NoApplication(), new MicroServerHostOptions(), NullLogger.Instance);
        var other = new ApplicationRunPool<object>(new NoApplication(), new MicroServerHostOptions(), NullLogger.Instance);
        var othersRun = other.Rent();
        var lane = new ConnectionLane(_reactor, mine.Batches);
        ApplicationRun<object>? taken = null;
        var passEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.Post(_ =>
        {
            lane.Enqueue(new Request(() => other.Return(othersRun)), moreAhead: true); // kept by the pass, for its pool
            lane.Enqueue(new Request(() => taken = mine.Rent()), moreAhead: true);
            lane.Enqueue(new Request(() => _reactor.Post(_ => passEnded.TrySetResult(), null)), moreAhead: false);
        }, null);
        await passEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(taken);
        Assert.NotSame(othersRun, taken);
        Assert.True(HotSpin.Until(() => other.Count == 1), "The other application's run did not go back to its own pool at the pass's end.");
        Assert.Same(othersRun, other.Rent());
        Assert.Equal(0, mine.Count);
    }

    private sealed class Request(Action run) : LaneRequest
    {
        public override void Start() => run();
    }
}
