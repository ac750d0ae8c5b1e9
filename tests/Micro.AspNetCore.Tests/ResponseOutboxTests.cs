using System.Buffers;
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
        var sent = new SentCounter();
        using var reactor = new DrainingReactor(NewOutbox().Outbox, sent);
        for (var i = 0; i < RaceRounds.Count; i++)
        {
            reactor.FlushOneByte();
            Assert.True(sent.SpinUntil(i + 1), $"Segment {i} was flushed as the reactor drained the one before and never went out.");
        }
    }

    [Fact]
    public void A_segment_flushed_as_the_reactor_finds_the_outbox_empty_goes_out()
    {
        // Two flushes in a row ask for two drains when the second comes after the first drain allowed the next: the
        // first drain then takes both, and the second finds the queue empty and returns without its lock. A flush made
        // as that empty drain ends must still get a drain of its own; the wait below names the one that did not.
        var sent = new SentCounter();
        using var reactor = new DrainingReactor(NewOutbox().Outbox, sent);
        for (var round = 0; round < RaceRounds.Count; round++)
        {
            reactor.FlushOneByte();
            reactor.FlushOneByte();
            Assert.True(sent.SpinUntil(2L * (round + 1)), $"A segment of round {round} was flushed as a drain found the outbox empty and never went out.");
        }
    }

    [Fact]
    public void Lines_flushed_one_at_a_time_share_segments_and_count_by_the_buffers_that_hold_them()
    {
        // An app that writes and flushes a line at a time hands over a 4 KiB segment per line. Counted by its bytes,
        // 64 KiB in flight would be 6,000 segments (24 MiB) held for a client that reads nothing; the lines share
        // segments instead, and the pause counts segments.
        var (outbox, _) = NewOutbox();
        var expected = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            var line = Encoding.ASCII.GetBytes($"chunk {i}\n");
            var segment = ArrayPool<byte>.Shared.Rent(4096);
            line.CopyTo(segment, 0);
            outbox.Add(segment, line.Length);
            expected.Append($"chunk {i}\n");
        }
        Assert.True(outbox.InFlight <= 4 * 4096, $"{outbox.InFlight} bytes of buffers hold {expected.Length} bytes of lines");
        var sent = new StringBuilder();
        outbox.WriteTo(sent, static (text, bytes) => text.Append(Encoding.ASCII.GetString(bytes)));
        Assert.Equal(expected.ToString(), sent.ToString()); // in order, nothing lost or doubled
        Assert.Equal(0, outbox.InFlight);
    }

    [Fact]
    public void The_app_waits_once_the_buffers_in_flight_pass_64_KiB_however_little_they_hold()
    {
        var (outbox, _) = NewOutbox();
        for (var i = 0; i < 16; i++)
        {
            outbox.Add(ArrayPool<byte>.Shared.Rent(4096), 2000); // too long to share a segment: each holds its own
            Assert.True(outbox.WaitForRoomAsync(CancellationToken.None).IsCompleted, $"after {i + 1} segments");
        }
        outbox.Add(ArrayPool<byte>.Shared.Rent(4096), 2000); // 17 segments of 4 KiB: past the threshold, though 34,000 bytes were written
        var wait = outbox.WaitForRoomAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        outbox.WriteTo(0, static (_, _) => { });
        outbox.WakeIfRoom(); // the reactor, after draining
        Assert.True(wait.IsCompleted);
    }

    [Theory]
    [InlineData("published")]
    [InlineData("held")]
    [InlineData("gone")]
    [InlineData("waiting")]
    [InlineData("drain scheduled")]
    public async Task A_reset_leaves_the_outbox_as_new_whatever_the_request_left_in_it(string left)
    {
        // The reset skips its locks for an outbox the request never used: every state a request can leave must still
        // be seen and cleared, or the next request on this run would wait, drop its bytes, or never drain.
        var (outbox, _) = NewOutbox();
        ValueTask<System.IO.Pipelines.FlushResult> waiting = default;
        switch (left)
        {
            case "published":
                outbox.Add(ArrayPool<byte>.Shared.Rent(4096), 2000);
                break;
            case "held":
                outbox.Hold();
                break;
            case "gone":
                outbox.Drop(); // the reactor, the client gone, though the app published nothing
                break;
            case "waiting":
                for (var i = 0; i < 17; i++)
                {
                    outbox.Add(ArrayPool<byte>.Shared.Rent(4096), 2000);
                }
                waiting = outbox.WaitForRoomAsync(CancellationToken.None);
                Assert.False(waiting.IsCompleted);
                break;
            case "drain scheduled":
                Assert.True(outbox.ScheduleDrain());
                break;
        }
        outbox.Reset();
        if (left == "waiting")
        {
            Assert.True((await waiting).IsCompleted); // the waiting flush was let go, told the response is over
        }
        Assert.Equal(0, outbox.InFlight);
        Assert.False(outbox.IsGone);
        Assert.False(outbox.IsHeld);
        Assert.False(outbox.HasPublished);
        Assert.True(outbox.ScheduleDrain()); // the next request's first flush schedules a drain
        Assert.True(outbox.WaitForRoomAsync(CancellationToken.None).IsCompleted); // and finds room
    }

    private static (ResponseOutbox Outbox, RequestFeatures Run) NewOutbox()
    {
        var run = new ApplicationRunPool<object>(new NoApplication(), new MicroServerHostOptions(), NullLogger.Instance).Rent();
        return (new ResponseOutbox(new HttpResponsePipeWriter(run)), run);
    }

    /// <summary>A thread that drains the outbox once per drain asked for, as Reactor.Post runs a drain once per post.</summary>
    private sealed class DrainingReactor : IDisposable
    {
        private readonly ResponseOutbox _outbox;
        private readonly Thread _thread;
        private int _drainsAsked;
        private int _stopped;

        public DrainingReactor(ResponseOutbox outbox, SentCounter sent)
        {
            _outbox = outbox;
            _thread = new Thread(() =>
            {
                var drainsRun = 0;
                while (Volatile.Read(ref _stopped) == 0)
                {
                    if (Volatile.Read(ref _drainsAsked) > drainsRun)
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
            _thread.Start();
        }

        /// <summary>As the app's flush of a one-byte write: the segment joins the outbox, and a drain is asked for unless one is on its way.</summary>
        public void FlushOneByte()
        {
            _outbox.Add(ArrayPool<byte>.Shared.Rent(16), 1);
            if (_outbox.ScheduleDrain())
            {
                Interlocked.Increment(ref _drainsAsked);
            }
        }

        public void Dispose()
        {
            Volatile.Write(ref _stopped, 1);
            _thread.Join();
        }
    }

    private sealed class SentCounter
    {
        private long _bytes;

        public void Add(int bytes) => Interlocked.Add(ref _bytes, bytes);

        public bool SpinUntil(long bytes) => HotSpin.Until(() => Volatile.Read(ref _bytes) == bytes);
    }
}
