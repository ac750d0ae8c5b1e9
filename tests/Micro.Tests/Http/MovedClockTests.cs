namespace Micro.Tests.Http;

/// <summary>
/// Issue 21: the engine's timeouts run on the reactor's clock, which a test can move: a head timeout after a long
/// keep-alive, and the keep-alive close itself, checked in moments instead of minutes of waiting.
/// </summary>
public sealed class MovedClockTests
{
    [Fact]
    public async Task A_head_begun_after_a_long_keep_alive_gets_the_whole_headers_timeout()
    {
        var clock = new MovedClock();
        await using var server = OnOneReactor(clock);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("Hello, World!", (await client.ReadResponsesAsync(1))[0].Body);

        clock.Advance(TimeSpan.FromSeconds(100), server.Server); // idle, well within the keep-alive (130 s)
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n");   // then a head begins, and stalls
        await ServerReads.TurnAsync(server.Server.Reactors[0]);    // read, and its clock started, at 100 s
        clock.Advance(TimeSpan.FromSeconds(20), server.Server);
        await ServerReads.TurnAsync(server.Server.Reactors[0]);    // ticked at 120 s: 20 s into the head, still in time
        await client.SendAsync("Accept: */*\r\n\r\n");              // and it completes
        Assert.Equal("Hello, World!", (await client.ReadResponsesAsync(1))[0].Body);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n");
        await ServerReads.TurnAsync(server.Server.Reactors[0]);
        clock.Advance(TimeSpan.FromSeconds(31), server.Server);     // past the headers timeout for this head
        Assert.StartsWith("HTTP/1.1 408 ", await client.ReadToEndAsync());
    }

    [Fact]
    public async Task An_idle_connection_is_closed_at_the_keep_alive_timeout_of_the_moved_clock()
    {
        var clock = new MovedClock();
        await using var server = OnOneReactor(clock);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponsesAsync(1);
        clock.Advance(TimeSpan.FromSeconds(129), server.Server);
        await ServerReads.TurnAsync(server.Server.Reactors[0]);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // still open at 129 s
        Assert.Equal("Hello, World!", (await client.ReadResponsesAsync(1))[0].Body);
        clock.Advance(TimeSpan.FromSeconds(131), server.Server);
        Assert.Equal("", Encoding.ASCII.GetString(Encoding.ASCII.GetBytes(await client.ReadToEndAsync()))); // closed, nothing sent
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task At_a_stop_an_idle_connection_closes_once_its_grace_is_over_without_lingering_for_its_client()
    {
        var clock = new MovedClock();
        await using var server = StoppedByItsConnections(clock);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponsesAsync(1); // and the client keeps the connection, idle, as a pool does

        var stopped = server.Server.StopAsync();
        await ServerReads.TurnAsync(server.Server.Reactors[0]);
        Assert.False(stopped.IsCompleted); // used just now: a request its client is sending would still be answered
        clock.Advance(TimeSpan.FromSeconds(1.5), server.Server); // past the grace, short of a lingering close's 2 s
        // Closed at once: nothing was owed, so there is nothing to linger for (a lingering connection would be kept,
        // half-closed, until its client closed or the linger ran out, and the stop with it), and the stop ends.
        await stopped.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("", await client.ReadToEndAsync());
    }

    [Fact]
    public async Task At_a_stop_the_reactor_ticks_when_an_idle_connections_grace_ends_not_a_second_later()
    {
        var clock = new MovedClock();
        await using var server = StoppedByItsConnections(clock);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponsesAsync(1); // used at the reactor's start: its grace ends 1 s after, as the first tick comes

        var stopped = server.Server.StopAsync();
        await ServerReads.TurnAsync(server.Server.Reactors[0]);
        clock.Advance(TimeSpan.FromSeconds(1), server.Server); // the first tick: the grace is exactly over, not past
        await ServerReads.TurnAsync(server.Server.Reactors[0]);
        Assert.False(stopped.IsCompleted);
        // A few milliseconds on, the grace is past: a tick comes for it (the next ordinary one would be a second away,
        // and this clock would never reach it), the connection closes and the stop ends.
        clock.Advance(TimeSpan.FromMilliseconds(5), server.Server);
        await stopped.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("", await client.ReadToEndAsync());
    }

    /// <summary>As <see cref="OnOneReactor"/>, with a stop that ends when its connections do, not by a cut at the shutdown timeout.</summary>
    private static TestServer StoppedByItsConnections(MovedClock clock) => new(Hello.Handler, o =>
    {
        o.ReactorCount = 1;
        o.Clock = clock.Now;
        o.ShutdownTimeout = TimeSpan.FromMinutes(10);
    });

    /// <summary>Hello on one reactor that reads the time from <paramref name="clock"/>.</summary>
    private static TestServer OnOneReactor(MovedClock clock) => new(Hello.Handler, o =>
    {
        o.ReactorCount = 1;
        o.Clock = clock.Now;
    });
}
