using System.Buffers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The outbox between an app flushing off the reactor and the reactor draining what it flushed: every segment
/// flushed goes out, whenever it is added against the drain.
/// </summary>
public sealed class ResponseOutboxTests
{
    [Fact]
    public void A_segment_flushed_as_the_reactor_drains_the_one_before_goes_out()
    {
        // Each segment is flushed the moment the one before has gone out: while the reactor may still be in that
        // drain, between allowing the next one and finding the queue empty. A drain that looks at the queue before its
        // cleared flag is seen leaves the segment queued with no drain asked for; the wait below then names it.
        var run = new ApplicationRunPool<object>(new NoApplication(), new MicroServerHostOptions(), NullLogger.Instance).Rent();
        var outbox = new ResponseOutbox(new HttpResponsePipeWriter(run));
        var sent = new SentCounter();
        var drainsAsked = 0;
        var stopped = 0;
        var reactor = new Thread(() =>
        {
            // As Reactor.Post runs a drain once per post, on its own thread.
            var drainsRun = 0;
            while (Volatile.Read(ref stopped) == 0)
            {
                if (Volatile.Read(ref drainsAsked) > drainsRun)
                {
                    drainsRun++;
                    outbox.WriteTo(sent, static (counter, bytes) => counter.Add(bytes.Length));
                }
                else
                {
                    Thread.SpinWait(1);
                }
            }
        }) { IsBackground = true };
        reactor.Start();
        try
        {
            for (var i = 0; i < 1_000_000; i++)
            {
                outbox.Add(ArrayPool<byte>.Shared.Rent(16), 1);
                if (outbox.ScheduleDrain())
                {
                    Interlocked.Increment(ref drainsAsked);
                }
                Assert.True(sent.SpinUntil(i + 1), $"Segment {i} was flushed as the reactor drained the one before and never went out.");
            }
        }
        finally
        {
            Volatile.Write(ref stopped, 1);
            reactor.Join();
        }
    }

    private sealed class SentCounter
    {
        private long _bytes;

        public void Add(int bytes) => Interlocked.Add(ref _bytes, bytes);

        /// <summary>Spins without yielding (a yield would flush the next segment long after the drain ended), up to 10 s.</summary>
        public bool SpinUntil(long bytes)
        {
            var deadline = Environment.TickCount64 + 10_000;
            for (var spins = 0; Volatile.Read(ref _bytes) != bytes; spins++)
            {
                Thread.SpinWait(1);
                if ((spins & 1023) == 0 && Environment.TickCount64 > deadline)
                {
                    return false;
                }
            }
            return true;
        }
    }

    private sealed class NoApplication : IHttpApplication<object>
    {
        public object CreateContext(IFeatureCollection contextFeatures) => new();

        public void DisposeContext(object context, Exception? exception)
        {
        }

        public Task ProcessRequestAsync(object context) => Task.CompletedTask;
    }
}
