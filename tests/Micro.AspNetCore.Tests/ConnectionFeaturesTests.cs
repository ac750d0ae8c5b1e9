using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The connection's features a request finds among its own, as on Kestrel (Negotiate authentication needs the first
/// two on every request): items and persistent state kept for the connection's life and for it alone, and callbacks
/// run once it has closed, the last registered first.
/// </summary>
public sealed class ConnectionFeaturesTests
{
    [Theory]
    [OnEveryServer]
    public async Task Items_and_state_last_as_long_as_the_connection_and_belong_to_it_alone(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/count", (HttpContext context) =>
        {
            var items = context.Features.Get<IConnectionItemsFeature>()!.Items;
            var state = context.Features.Get<IPersistentStateFeature>()!.State;
            items["n"] = (items.TryGetValue("n", out var n) ? (int)n! : 0) + 1;
            state["m"] = (state.TryGetValue("m", out var m) ? (int)m! : 0) + 10;
            return $"{items["n"]} {state["m"]}";
        }));
        await using var first = await RawHttpClient.ConnectAsync(app.Address);
        await first.SendAsync("GET /count HTTP/1.1\r\nHost: x\r\n\r\nGET /count HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("1 10", (await first.ReadResponseAsync()).Body);
        Assert.Equal("2 20", (await first.ReadResponseAsync()).Body);
        await using var second = await RawHttpClient.ConnectAsync(app.Address);
        await second.SendAsync("GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("1 10", (await second.ReadResponseAsync()).Body); // another connection starts afresh
    }

    [Theory]
    [OnEveryServer]
    public async Task Completion_callbacks_run_once_the_connection_has_closed_the_last_registered_first(ServerKind server)
    {
        var ran = new ConcurrentQueue<string>();
        var allRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/register", (HttpContext context) =>
        {
            var complete = context.Features.Get<IConnectionCompleteFeature>()!;
            complete.OnCompleted(_ =>
            {
                ran.Enqueue("first");
                if (ran.Count == 4)
                {
                    allRan.TrySetResult(); // both requests' callbacks have run
                }
                return Task.CompletedTask;
            }, context);
            complete.OnCompleted(_ => throw new InvalidOperationException("a callback that fails"), context); // logged; the rest run
            complete.OnCompleted(_ =>
            {
                ran.Enqueue("last");
                return Task.CompletedTask;
            }, context);
            return "registered";
        }));
        var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /register HTTP/1.1\r\nHost: x\r\n\r\nGET /register HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("registered", (await client.ReadResponseAsync()).Body);
        Assert.Equal("registered", (await client.ReadResponseAsync()).Body);
        Assert.Empty(ran); // the connection is still open
        await client.DisposeAsync();
        await allRan.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["last", "first", "last", "first"], ran.ToArray());
    }
}
