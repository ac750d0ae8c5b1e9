using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// Kestrel's per-request minimum data rates (IHttpMinRequestBodyDataRateFeature, IHttpMinResponseDataRateFeature),
/// which code written for Kestrel turns off for a long upload or a slow stream: the same defaults and setters on every
/// server, and on Micro a request that turned its rate off outlives one that did not.
/// </summary>
public sealed class DataRateFeatureTests
{
    [Theory]
    [OnEveryServer]
    public async Task The_rates_start_as_the_servers_and_each_request_sets_its_own(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/rates", (HttpContext context) =>
        {
            var body = context.Features.Get<IHttpMinRequestBodyDataRateFeature>()!;
            var response = context.Features.Get<IHttpMinResponseDataRateFeature>()!;
            var before = new[] { body.MinDataRate, response.MinDataRate }.Select(rate => $"{rate?.BytesPerSecond}/{rate?.GracePeriod.TotalSeconds}");
            if (context.Request.Query.ContainsKey("set"))
            {
                var own = new MinDataRate(100, TimeSpan.FromSeconds(3));
                (body.MinDataRate, response.MinDataRate) = (null, own);
                before = before.Append($"{body.MinDataRate is null} {ReferenceEquals(response.MinDataRate, own)}");
            }
            return string.Join(" ", before);
        }));
        Assert.Equal("240/5 240/5 True True", await app.Client.GetStringAsync("/rates?set"));
        Assert.Equal("240/5 240/5", await app.Client.GetStringAsync("/rates")); // the next request starts from the server's again
    }

    [Fact]
    public async Task A_body_whose_request_turned_its_rate_off_may_pause_past_the_servers_grace()
    {
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, web => web.MapPost("/upload", async (HttpContext context) =>
        {
            if (context.Request.Query.ContainsKey("off"))
            {
                context.Features.Get<IHttpMinRequestBodyDataRateFeature>()!.MinDataRate = null;
            }
            var buffer = new byte[8192];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
            return total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }), micro: options =>
        {
            options.Server.ReactorCount = 1; // both connections judged at the same ticks
            (options.Server.MinRequestBodyDataRate, options.Server.MinRequestBodyDataRateGracePeriod) = (1_000_000, TimeSpan.FromSeconds(1));
        });
        const string head = "HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789";
        await using var off = await RawHttpClient.ConnectAsync(app.Address);
        await off.SendAsync("POST /upload?off " + head); // first: its clock has run at least as long as the other's
        await using var held = await RawHttpClient.ConnectAsync(app.Address);
        await held.SendAsync("POST /upload " + head);
        Assert.Equal(408, (await held.ReadResponseAsync(toClose: true)).Status); // the server's rate: too slow
        await off.SendAsync(new byte[100_000 - 10]);
        var (status, _, body) = await off.ReadResponseAsync();
        Assert.Equal((200, "100000"), (status, body));
        await app.AssertServesNewConnectionsAsync();
    }

    [Fact]
    public async Task A_response_whose_request_turned_its_rate_off_is_not_cut_when_its_client_reads_slowly()
    {
        const int length = 16 * 1024 * 1024;
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, web => web.MapGet("/flood", async (HttpContext context) =>
        {
            var off = context.Request.Query.ContainsKey("off");
            if (off)
            {
                context.Features.Get<IHttpMinResponseDataRateFeature>()!.MinDataRate = null;
            }
            context.Response.ContentLength = length;
            var chunk = new byte[64 * 1024];
            try
            {
                for (var written = 0; written < length; written += chunk.Length)
                {
                    var flush = context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    if (off && !flush.IsCompleted)
                    {
                        blocked.TrySetResult(); // the client has stopped reading
                    }
                    await flush;
                }
            }
            catch (Exception) when (!off && context.RequestAborted.IsCancellationRequested)
            {
                cut.TrySetResult(); // the server's rate: closed as a slow reader
            }
        }), micro: options =>
        {
            options.Server.ReactorCount = 1;
            (options.Server.MinResponseDataRate, options.Server.MinResponseDataRateGracePeriod) = (1_000_000, TimeSpan.FromSeconds(1));
        });
        await using var off = await RawHttpClient.ConnectAsync(app.Address);
        await off.SendAsync("GET /flood?off HTTP/1.1\r\nHost: x\r\n\r\n");
        await blocked.Task.WaitAsync(TimeSpan.FromSeconds(30)); // blocked first: judged at least as slow as the other
        await using var held = await RawHttpClient.ConnectAsync(app.Address);
        await held.SendAsync("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
        await cut.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var (status, _, body) = await off.ReadResponseAsync();
        Assert.Equal((200, length), (status, body.Length));
        await app.AssertServesNewConnectionsAsync();
    }
}
