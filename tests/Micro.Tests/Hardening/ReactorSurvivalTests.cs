using System.Runtime.InteropServices;

namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 0: timeouts must close only their own connection, and a reactor must never end quietly.</summary>
public sealed partial class ReactorSurvivalTests
{
    [Fact]
    public async Task Header_timeouts_on_many_connections_leave_every_reactor_accepting()
    {
        var clock = new MovedClock(); // the default 30 s, moved past instead of waited for
        await using var server = new TestServer(Hello.Handler, o => o.Clock = clock.Now);
        var clients = new List<RawClient>();
        for (var i = 0; i < 16; i++)
        {
            var client = await server.ConnectAsync();
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n");
            clients.Add(client);
        }
        await Task.WhenAll(server.Server.Reactors.Select(ServerReads.TurnAsync)); // every head has begun
        clock.Advance(TimeSpan.FromSeconds(31), server.Server);
        foreach (var client in clients)
        {
            Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", await client.ReadToEndAsync());
            await client.DisposeAsync();
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Keep_alive_timeouts_on_many_connections_leave_every_reactor_accepting()
    {
        var clock = new MovedClock(); // the default 130 s, moved past instead of waited for
        await using var server = new TestServer(Hello.Handler, o => o.Clock = clock.Now);
        var clients = new List<RawClient>();
        for (var i = 0; i < 16; i++)
        {
            var client = await server.ConnectAsync();
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal("Hello, World!", (await client.ReadResponsesAsync(1))[0].Body);
            clients.Add(client);
        }
        clock.Advance(TimeSpan.FromSeconds(131), server.Server);
        foreach (var client in clients)
        {
            Assert.Equal("", await client.ReadToEndAsync()); // closed by the server, nothing more sent
            await client.DisposeAsync();
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task A_reactor_whose_epoll_breaks_faults_the_server_instead_of_leaving_it_half_deaf()
    {
        await using var server = new TestServer(Hello.Handler);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
        var reactor = server.Server.Reactors[0];

        // Put /dev/null where the reactor's epoll descriptor was (dup2 replaces the number atomically and the reactor
        // later closes only its own number): its next epoll_wait fails with EINVAL, as after a real corruption.
        var devNull = File.OpenHandle("/dev/null");
        Assert.True(Dup2((int)devNull.DangerousGetHandle(), reactor.Epoll) >= 0);
        devNull.Dispose();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => server.Server.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("reactor 0 failed", failure.Message);
        await Task.WhenAll(server.Server.Reactors.Select(r => r.Exited)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(server.Log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Critical);
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);
}
