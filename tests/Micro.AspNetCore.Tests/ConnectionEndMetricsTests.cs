using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// Why a connection ended, as Kestrel's <c>kestrel.connection.duration</c> tells it: <c>error.type</c> with Kestrel's
/// names when it ended in error (a malformed or oversized request, a timeout, a body cut short, the app aborting or
/// failing mid-response) and none when it ended as HTTP means, then the tags the app added through
/// IConnectionMetricsTagsFeature. The same connections, one after another, on every server, with the same answers.
/// </summary>
public sealed class ConnectionEndMetricsTests
{
    [Theory]
    [OnEveryServer]
    public async Task A_connection_that_ends_in_error_is_tagged_with_why_and_one_that_ends_well_is_not(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/", () => "ok");
            web.MapPost("/read", async (HttpContext context) =>
            {
                await context.Request.Body.CopyToAsync(Stream.Null);
                return "read";
            });
            web.MapGet("/abort", (HttpContext context) => context.Abort());
            web.MapGet("/fails-late", async (HttpContext context) =>
            {
                await context.Response.WriteAsync("begun");
                await context.Response.Body.FlushAsync();
                throw new InvalidOperationException("after the response started");
            });
            web.MapGet("/short", async (HttpContext context) =>
            {
                context.Response.ContentLength = 10;
                await context.Response.WriteAsync("ab");
                await context.Response.Body.FlushAsync();
            });
        }, builder => builder.WebHost.ConfigureKestrel(options =>
        {
            options.Limits.MaxRequestBodySize = 100;
            options.Limits.MaxRequestHeaderCount = 4;
            options.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1);
            options.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(1);
        }));
        var durations = ListenToDurations(app, out var listener);
        using var _ = listener;

        async Task<string?> EndOf(Func<RawHttpClient, Task> connection)
        {
            await using (var client = await RawHttpClient.ConnectAsync(app.Address))
            {
                await connection(client);
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return (await durations.ReadAsync(timeout.Token)).GetValueOrDefault("error.type") as string;
        }
        async Task AnsweredThenClosed(RawHttpClient client, string request, int status)
        {
            await client.SendAsync(request);
            Assert.Equal(status, (await client.ReadResponseAsync()).Status);
            Assert.True(await client.IsClosedByServerAsync());
        }

        Assert.Null(await EndOf(client => AnsweredThenClosed(client, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200)));
        // Kestrel answers this one 505, Micro 400 (the version is malformed, not another one): the same end either way.
        Assert.Equal("invalid_http_version", await EndOf(client => AnsweredThenClosed(client, "GET / HTTX/1.1\r\nHost: x\r\n\r\n", server == ServerKind.Kestrel ? 505 : 400)));
        Assert.Equal("invalid_request_headers", await EndOf(client => AnsweredThenClosed(client, "GET / HTTP/1.1\r\n\r\n", 400)));
        Assert.Equal("max_request_header_count_exceeded",
            await EndOf(client => AnsweredThenClosed(client, "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", 431)));
        // Declared over the limit and not sent: answered at once, not after the body's time ran out.
        Assert.Equal("max_request_body_size_exceeded",
            await EndOf(client => AnsweredThenClosed(client, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 413)));
        Assert.Equal("max_request_body_size_exceeded", await EndOf(client => AnsweredThenClosed(client,
            $"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n{new string('a', 1000)}\r\n0\r\n\r\n", 413)));
        Assert.Equal("other_error",
            await EndOf(client => AnsweredThenClosed(client, "POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400)));
        Assert.Equal("unexpected_end_of_request_content",
            await EndOf(client => client.SendAsync("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nab")));
        Assert.Equal("request_headers_timeout", await EndOf(async client =>
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n");
            Assert.True(await client.IsClosedByServerAsync());
        }));
        Assert.Equal("keep_alive_timeout", await EndOf(async client =>
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync()).Status);
            Assert.True(await client.IsClosedByServerAsync());
        }));
        Assert.Equal("aborted_by_app", await EndOf(async client =>
        {
            await client.SendAsync("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.True(await client.IsClosedByServerAsync());
        }));
        Assert.Equal("error_after_starting_response", await EndOf(async client =>
        {
            await client.SendAsync("GET /fails-late HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.True(await client.IsClosedByServerAsync());
        }));
        Assert.Equal("response_content_length_mismatch", await EndOf(async client =>
        {
            await client.SendAsync("GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.True(await client.IsClosedByServerAsync());
        }));
        await app.AssertServesNewConnectionsAsync(); // every one of those ends left the server serving
    }

    [Theory]
    [OnEveryServer]
    public async Task Tags_the_app_adds_to_its_connection_are_on_the_connections_duration(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/tenant/{name}", (HttpContext context, string name) =>
        {
            // As the ASP.NET Core docs show it: middleware tags the connection, here once per connection.
            var tags = context.Features.Get<IConnectionMetricsTagsFeature>()!.Tags;
            if (!tags.Any(tag => tag.Key == "tenant"))
            {
                tags.Add(new("tenant", name));
            }
            return name;
        }));
        var durations = ListenToDurations(app, out var listener);
        using var _ = listener;

        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET /tenant/contoso HTTP/1.1\r\nHost: x\r\n\r\nGET /tenant/fabrikam HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal("contoso", (await client.ReadResponseAsync()).Body);
            Assert.Equal("fabrikam", (await client.ReadResponseAsync()).Body);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var tagged = await durations.ReadAsync(timeout.Token);
        Assert.Equal("contoso", tagged["tenant"]);
        Assert.False(tagged.ContainsKey("error.type"));
        Assert.Equal("127.0.0.1", tagged["server.address"]);
    }

    /// <summary>The tags of each <c>kestrel.connection.duration</c> of this app (its meter factory's: not other tests' apps).</summary>
    private static ChannelReader<Dictionary<string, object?>> ListenToDurations(ServedApp app, out MeterListener listener)
    {
        var durations = Channel.CreateUnbounded<Dictionary<string, object?>>();
        var factory = app.App.Services.GetRequiredService<IMeterFactory>();
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "kestrel.connection.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => durations.Writer.TryWrite(tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value)));
        listener.Start();
        return durations.Reader;
    }
}
