namespace Micro.AspNetCore.Tests;

/// <summary>
/// A client that sends <c>Expect: 100-continue</c> holds its body back until the server asks for it: the server asks
/// when the app reads the body, so an app that answers without reading it (a 401, a 413) invites no body. The same
/// on every server, for a small body and a large one.
/// </summary>
public sealed class ExpectContinueTests
{
    private static void Map(WebApplication app)
    {
        app.MapPost("/refuse", () => Results.StatusCode(StatusCodes.Status401Unauthorized));
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return (await reader.ReadToEndAsync()).Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    private static string Head(string path, int length) =>
        $"POST {path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {length}\r\n\r\n";

    [Theory]
    [OnEveryServer]
    public async Task The_100_goes_out_when_the_app_reads_and_not_when_it_answers_without_reading(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        foreach (var length in new[] { 5, 200_000 })
        {
            await using var refused = await RawHttpClient.ConnectAsync(app.Address);
            await refused.SendAsync(Head("/refuse", length));
            Assert.Equal(401, (await refused.ReadResponseAsync()).Status); // the final answer first: the body was never asked for

            await using var echoed = await RawHttpClient.ConnectAsync(app.Address);
            await echoed.SendAsync(Head("/echo", length));
            Assert.Equal(100, await echoed.ReadHeadAsync()); // asked for once the app reads
            await echoed.SendAsync(new string('b', length));
            var (status, _, body) = await echoed.ReadResponseAsync();
            Assert.Equal((200, length.ToString(System.Globalization.CultureInfo.InvariantCulture)), (status, body));
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task A_client_that_sends_its_body_without_waiting_is_answered_all_the_same(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(Head("/echo", 5) + "hello" + Head("/echo", 3) + "abc");
        var first = await client.ReadResponseAsync(); // the body was there when the app read it: no 100 asked for it
        Assert.Equal((200, "5"), (first.Status, first.Body));
        var second = await client.ReadResponseAsync();
        Assert.Equal((200, "3"), (second.Status, second.Body));
    }

    [Fact]
    public async Task A_client_waiting_for_its_100_is_not_held_to_the_body_rate_while_the_app_has_not_read()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, web =>
        {
            Map(web);
            web.MapPost("/later", async (HttpRequest request) =>
            {
                await release.Task; // the app looks something up before it reads the body
                using var reader = new StreamReader(request.Body);
                return (await reader.ReadToEndAsync()).Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            });
        }, micro: options =>
        {
            options.Server.ReactorCount = 1; // both connections judged at the same ticks
            (options.Server.MinRequestBodyDataRate, options.Server.MinRequestBodyDataRateGracePeriod) = (1_000_000, TimeSpan.FromSeconds(1));
        });
        await using var waiting = await RawHttpClient.ConnectAsync(app.Address);
        await waiting.SendAsync(Head("/later", 5)); // first: its clock would have run at least as long as the other's
        await using var stalled = await RawHttpClient.ConnectAsync(app.Address);
        await stalled.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789");
        Assert.Equal(408, (await stalled.ReadResponseAsync(toClose: true)).Status); // a client that sends slowly is cut
        release.SetResult();
        Assert.Equal(100, await waiting.ReadHeadAsync());
        await waiting.SendAsync("hello");
        var (status, _, body) = await waiting.ReadResponseAsync();
        Assert.Equal((200, "5"), (status, body));
        await app.AssertServesNewConnectionsAsync();
    }
}
