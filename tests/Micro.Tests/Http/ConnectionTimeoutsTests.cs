using Micro.Http;

namespace Micro.Tests.Http;

/// <summary>Issue 21: every timeout of a connection as one function of its state, its clock and the time, tested with any time.</summary>
public sealed class ConnectionTimeoutsTests
{
    private static readonly HttpServerOptions Options = new()
    {
        RequestHeadersTimeout = TimeSpan.FromSeconds(30),
        KeepAliveTimeout = TimeSpan.FromSeconds(130),
    };

    private static TimeoutView Idle => new(ClientReadsTooSlowly: false, Reader: ReaderPhase.Idle, BodyArrivesTooSlowly: false, BodyReaderFull: false,
        ServerHolds: false, Closing: false, ResponsesOwed: false, BytesWaiting: false, OutputEmpty: true, Stopping: false);

    private static TimeoutAction Decide(TimeoutView view, long now, long headStartedAt = 0, long lastActivity = 0)
    {
        var clock = new ConnectionClock(0);
        clock.StartHead(headStartedAt);
        clock.Touch(lastActivity);
        return ConnectionTimeouts.Decide(view, clock, now, Options);
    }

    [Fact]
    public void An_idle_connection_closes_after_the_keep_alive_timeout_and_not_before()
    {
        Assert.Equal(TimeoutAction.None, Decide(Idle, now: 130_000));
        Assert.Equal(TimeoutAction.CloseIdle, Decide(Idle, now: 130_001));
        Assert.Equal(TimeoutAction.None, Decide(Idle with { OutputEmpty = false }, now: 500_000)); // it still sends: not idle
    }

    [Fact]
    public void A_head_must_arrive_within_the_headers_timeout_counted_from_its_first_byte()
    {
        var reading = Idle with { Reader = ReaderPhase.Head };
        Assert.Equal(TimeoutAction.None, Decide(reading, now: 90_000, headStartedAt: 60_000));
        Assert.Equal(TimeoutAction.TimeOutHead, Decide(reading, now: 90_001, headStartedAt: 60_000));
        Assert.Equal(TimeoutAction.TimeOutHead, Decide(Idle with { BytesWaiting = true }, now: 90_001, headStartedAt: 60_000)); // kept by the transport
        // The server holding the client back (output full, pipeline full) is not the client's time.
        Assert.Equal(TimeoutAction.None, Decide(reading with { ServerHolds = true }, now: 90_001, headStartedAt: 60_000));
        // Nor is a response still owed ahead of it.
        Assert.Equal(TimeoutAction.None, Decide(reading with { ResponsesOwed = true }, now: 900_000, headStartedAt: 60_000));
    }

    [Fact]
    public void Bodies_are_held_to_the_minimum_data_rate_buffered_or_streamed()
    {
        Assert.Equal(TimeoutAction.TimeOutBody, Decide(Idle with { Reader = ReaderPhase.Body, BodyArrivesTooSlowly = true }, now: 1));
        Assert.Equal(TimeoutAction.None, Decide(Idle with { Reader = ReaderPhase.Body }, now: 1_000_000));
        // A streamed body's handler runs by design while it arrives: the rate applies though responses are owed.
        var streaming = Idle with { Reader = ReaderPhase.StreamedBody, BodyArrivesTooSlowly = true, ResponsesOwed = true };
        Assert.Equal(TimeoutAction.FailStreamedBody, Decide(streaming, now: 1));
        // Unless the handler is the one that is slow (its pipe is full), or the connection is closing anyway.
        Assert.Equal(TimeoutAction.None, Decide(streaming with { BodyReaderFull = true }, now: 1));
        Assert.Equal(TimeoutAction.None, Decide(streaming with { Closing = true }, now: 1));
    }

    [Fact]
    public void A_client_that_reads_too_slowly_is_cut_off_whatever_else_holds()
    {
        Assert.Equal(TimeoutAction.CloseSlowReader, Decide(Idle with { ClientReadsTooSlowly = true, ResponsesOwed = true, Closing = true }, now: 1));
    }

    [Fact]
    public void At_a_stop_a_connection_idle_past_the_grace_closes_after_what_it_owes()
    {
        var stopping = Idle with { Stopping = true };
        Assert.Equal(TimeoutAction.None, Decide(stopping, now: 1_000, lastActivity: 0));
        Assert.Equal(TimeoutAction.CloseIdleAtShutdown, Decide(stopping, now: 1_001, lastActivity: 0));
        Assert.Equal(TimeoutAction.None, Decide(stopping with { ResponsesOwed = true }, now: 60_000));
    }
}
