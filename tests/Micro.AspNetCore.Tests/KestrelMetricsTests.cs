using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// Kestrel's connection metrics (the meter the ASP.NET Core instrumentation and its dashboards read) are kept on every
/// server: a connection counted active while open and its duration recorded when it closes, one refused at the
/// connection cap counted, a WebSocket counted upgraded while it lasts; each under the address the client connected
/// to, as Kestrel tags them.
/// </summary>
public sealed class KestrelMetricsTests
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    [Theory]
    [OnEveryServer]
    public async Task Connections_are_counted_timed_refused_and_upgraded_under_kestrels_meter(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseWebSockets();
            web.MapGet("/", () => "counted");
            web.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await socket.ReceiveAsync(new byte[16], context.RequestAborted); // the client's close
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            });
        }, builder => builder.WebHost.ConfigureKestrel(options => options.Limits.MaxConcurrentConnections = 1));
        var measurements = Channel.CreateUnbounded<Measurement>();
        using var listener = Listen(app, measurements.Writer);
        var tally = new Tally(measurements.Reader, app.Address.Port);

        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal("counted", (await client.ReadResponseAsync()).Body);
            await tally.WaitUntilAsync(t => t.Active == 1);

            // At the cap of one connection, a second is refused and counted (Kestrel counts it active while it refuses it).
            await using var refused = await RawHttpClient.ConnectAsync(app.Address);
            Assert.True(await refused.IsClosedByServerAsync());
            await tally.WaitUntilAsync(t => t.Rejected == 1 && t.Active == 1);
        }
        // The client left: the connection is no longer active, and how long it lasted is recorded.
        var durationsBefore = tally.Durations;
        await tally.WaitUntilAsync(t => t.Active == 0 && t.Durations > durationsBefore);

        using (var socket = new ClientWebSocket())
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), CancellationToken.None);
            await tally.WaitUntilAsync(t => t.Active == 1 && t.Upgraded == 1);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        durationsBefore = tally.Durations;
        await tally.WaitUntilAsync(t => t.Active == 0 && t.Upgraded == 0 && t.Durations > durationsBefore);
        Assert.Equal(1, tally.Rejected);
        Assert.Equal(0, tally.Untagged);
    }

    /// <summary>
    /// What a connection is counted under is decided when it opens: one opened before anything listened (dotnet-counters
    /// attached to a running server) leaves nothing at its end, so the active count never goes below zero.
    /// </summary>
    [Theory]
    [OnEveryServer]
    public async Task A_connection_opened_before_anyone_listened_is_not_counted_when_it_ends(ServerKind server)
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/", () => "counted");
            web.MapGet("/wait", async (HttpContext context) =>
            {
                waiting.SetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => gone.SetResult(), TaskScheduler.Default);
            });
        });
        var earlier = await RawHttpClient.ConnectAsync(app.Address);
        await earlier.SendAsync("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
        await waiting.Task;

        var measurements = Channel.CreateUnbounded<Measurement>();
        using var listener = Listen(app, measurements.Writer);
        var tally = new Tally(measurements.Reader, app.Address.Port);
        await earlier.DisposeAsync(); // its request aborted: the server has seen it close
        await gone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal("counted", (await client.ReadResponseAsync()).Body);
            await tally.WaitUntilAsync(t => t.Active == 1);
        }
        // Had the earlier connection's end been counted, the sum would stay one below zero and this would time out.
        await tally.WaitUntilAsync(t => t.Active == 0 && t.Durations == 1);
        Assert.Equal(0, tally.Untagged);
    }

    private readonly record struct Measurement(string Name, double Value, Dictionary<string, object?> Tags);

    /// <summary>The sums of what was measured, read in order from the listener.</summary>
    private sealed class Tally(ChannelReader<Measurement> measurements, int port)
    {
        public double Active { get; private set; }
        public double Upgraded { get; private set; }
        public double Rejected { get; private set; }
        public int Durations { get; private set; }

        /// <summary>Measurements without Kestrel's tags of the address the client connected to (127.0.0.1 and the app's port, over TCP).</summary>
        public int Untagged { get; private set; }

        /// <summary>Reads measurements until <paramref name="holds"/>; a wrong count never comes right, and times out.</summary>
        public async Task WaitUntilAsync(Func<Tally, bool> holds)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!holds(this))
            {
                var (name, value, tags) = await measurements.ReadAsync(timeout.Token);
                var tagged = tags.GetValueOrDefault("network.transport") as string == "tcp" && tags.GetValueOrDefault("network.type") as string == "ipv4"
                    && tags.GetValueOrDefault("server.address") as string == "127.0.0.1" && tags.GetValueOrDefault("server.port") is int p && p == port;
                Untagged += tagged ? 0 : 1;
                switch (name)
                {
                    case "kestrel.active_connections":
                        Active += value;
                        break;
                    case "kestrel.upgraded_connections":
                        Upgraded += value;
                        break;
                    case "kestrel.rejected_connections":
                        Rejected += value;
                        break;
                    case "kestrel.connection.duration":
                        Assert.True(value > 0);
                        Durations++;
                        break;
                }
            }
        }
    }

    /// <summary>Listens to this app's Kestrel meter alone (its meter factory's): other apps' connections in parallel tests are not counted.</summary>
    private static MeterListener Listen(ServedApp app, ChannelWriter<Measurement> measurements)
    {
        var factory = app.App.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                // Kestrel also counts connections queued for its thread pool before they start; Micro serves one as it accepts it.
                if (instrument.Meter.Name == KestrelMeter && instrument.Meter.Scope == factory && instrument.Name != "kestrel.queued_connections")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.TryWrite(new(instrument.Name, value, TagsOf(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.TryWrite(new(instrument.Name, value, TagsOf(tags))));
        listener.Start();
        return listener;
    }

    private static Dictionary<string, object?> TagsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var kept = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            kept[tag.Key] = tag.Value;
        }
        return kept;
    }
}
