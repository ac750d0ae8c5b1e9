using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Micro.Proxy;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Micro.Tests.Features;

/// <summary>
/// Metrics and traces, read by a MeterListener and by the OpenTelemetry SDK. In the isolated collection: listeners
/// are process-wide, and connection metrics from tests running alongside would mix in.
/// </summary>
[Collection(nameof(Http.AllocationTests))]
public sealed class TelemetryTests
{
    private static MicroApp App()
    {
        var app = new MicroApp();
        app.Get("/users/:id", (req, res) => res.Send(req.Params["id"]!));
        app.Get("/fail", (req, res) => throw new InvalidOperationException("boom"));
        app.Map("PROPFIND", "/dav", async (req, res) =>
        {
            await Task.Yield();
            res.Status(207).Send("dav");
        });
        return app;
    }

    [Fact]
    public async Task A_meter_listener_sees_request_and_connection_metrics_under_the_semantic_conventions()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name is "Micro.Http" or "Micro.Server")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        await TestApp.RunAsync(App(), async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /users/7 HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n" +
                                   "GET /fail HTTP/1.1\r\nHost: x\r\n\r\nPROPFIND /dav HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            await client.ReadToEndAsync();
        });
        listener.Dispose();

        var durations = measurements.Where(m => m.Instrument == "http.server.request.duration").ToList();
        Assert.Equal(4, durations.Count);
        var user = durations[0].Tags;
        Assert.Equal("GET", user["http.request.method"]);
        Assert.Equal(200, user["http.response.status_code"]);
        Assert.Equal("/users/:id", user["http.route"]);
        Assert.Equal("1.1", user["network.protocol.version"]);
        Assert.Equal("http", user["url.scheme"]);
        Assert.False(durations[1].Tags.ContainsKey("http.route")); // a 404 matched no route
        Assert.Equal(404, durations[1].Tags["http.response.status_code"]);
        Assert.Equal(500, durations[2].Tags["http.response.status_code"]);
        Assert.Equal(typeof(InvalidOperationException).FullName, durations[2].Tags["error.type"]);
        Assert.Equal("_OTHER", durations[3].Tags["http.request.method"]);
        Assert.Equal(207, durations[3].Tags["http.response.status_code"]);
        Assert.All(durations, d => Assert.InRange(d.Value, 0, 60));

        Assert.Equal(0, measurements.Where(m => m.Instrument == "http.server.active_requests").Sum(m => m.Value));
        Assert.Equal(8, measurements.Count(m => m.Instrument == "http.server.active_requests")); // +1 and -1 each
        Assert.Equal(0, measurements.Where(m => m.Instrument == "micro.server.active_connections").Sum(m => m.Value));
        Assert.Equal(4, Assert.Single(measurements, m => m.Instrument == "micro.server.connection.requests").Value);
        Assert.Single(measurements, m => m.Instrument == "micro.server.connection.duration");
    }

    /// <summary>
    /// A connection's duration says why it ended when that was an error (error.type, with Kestrel's names: the same
    /// dashboards read both servers), and nothing when it ended as HTTP means.
    /// </summary>
    [Fact]
    public async Task A_connection_that_ends_in_error_is_tagged_with_why_on_its_duration()
    {
        var durations = System.Threading.Channels.Channel.CreateUnbounded<string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Micro.Server" && instrument.Name == "micro.server.connection.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            durations.Writer.TryWrite(tags.ToArray().FirstOrDefault(tag => tag.Key == "error.type").Value as string));
        listener.Start();
        await using var server = new TestServer(Hello.Handler, o => o.KeepAliveTimeout = TimeSpan.FromSeconds(1));
        async Task<string?> EndOf(Func<RawClient, Task> connection)
        {
            await using (var client = await server.ConnectAsync())
            {
                await connection(client);
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await durations.Reader.ReadAsync(timeout.Token);
        }

        Assert.Null(await EndOf(async client =>
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Assert.Contains("Hello, World!", await client.ReadToEndAsync());
        }));
        Assert.Equal("invalid_request_headers", await EndOf(async client =>
        {
            await client.SendAsync("GET / HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 400 ", await client.ReadToEndAsync());
        }));
        Assert.Equal("keep_alive_timeout", await EndOf(async client =>
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Contains("Hello, World!", await client.ReadToEndAsync()); // then closed, idle past the timeout
        }));
        Assert.Equal("connection_reset", await EndOf(async client =>
        {
            await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npart of it");
            client.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0); // closing sends a reset
        }));
        // Reset while the server has stopped reading it (its answers pile up unread): no read tells, the hang-up does.
        Assert.Equal("connection_reset", await EndOf(async client =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var paused = server.Server.WaitForOutputPausedAsync(deadline.Token);
            var request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
            var pipeline = Enumerable.Repeat(request, 100_000).SelectMany(bytes => bytes).ToArray();
            _ = client.Socket.SendAsync(pipeline, System.Net.Sockets.SocketFlags.None, deadline.Token).AsTask();
            await paused;
            client.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        }));

        // Reset while reading is paused with nothing to send (a request's handler waits, the pipeline is full).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var waiting = new TestServer(async exchange =>
        {
            started.TrySetResult();
            await gate.Task;
            exchange.Respond(200, "text/plain"u8, "late"u8);
        }, o => o.MaxPipelinedRequests = 1);
        await using (var client = await waiting.ConnectAsync())
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await started.Task;
            client.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        }
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal("connection_reset", await durations.Reader.ReadAsync(timeout.Token));
        }
        gate.SetResult();

        // A client that takes its response slower than the minimum data rate (here, not at all) is cut off.
        var large = new byte[16 * 1024 * 1024];
        await using var slow = new TestServer(exchange =>
        {
            exchange.Respond(200, "application/octet-stream"u8, large);
            return default;
        }, o => o.MinResponseDataRateGracePeriod = TimeSpan.FromSeconds(1));
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(slow.EndPoint);
        await using (var reader = new RawClient(socket))
        {
            await reader.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // and reads nothing
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal("min_response_data_rate", await durations.Reader.ReadAsync(timeout.Token));
        }

        // Every one of those ends left each server serving on every reactor (last: their connections are timed too).
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
        await ServerHealth.AssertEveryReactorAnswersAsync(waiting.Server);
        await ServerHealth.AssertEveryReactorAnswersAsync(slow.Server);
    }

    [Fact]
    public async Task The_opentelemetry_sdk_exports_the_metrics_and_a_span_per_request_continuing_the_callers_trace()
    {
        var metrics = new List<Metric>();
        var spans = new List<Activity>();
        using (var meters = Sdk.CreateMeterProviderBuilder().AddMeter("Micro.Http", "Micro.Server").AddInMemoryExporter(metrics).Build())
        using (var tracer = Sdk.CreateTracerProviderBuilder().AddSource("Micro.Http").AddInMemoryExporter(spans).Build())
        {
            await TestApp.RunAsync(App(), async (client, _) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/users/42");
                request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
                await client.SendAsync(request);
                await client.GetAsync("/fail");
            });
            meters.ForceFlush();
            tracer.ForceFlush();
        }
        Assert.Contains(metrics, m => m.Name == "http.server.request.duration" && m.Unit == "s");
        Assert.Contains(metrics, m => m.Name == "http.server.active_requests");
        Assert.Contains(metrics, m => m.Name == "micro.server.active_connections");

        var user = Assert.Single(spans, s => s.DisplayName == "GET /users/:id");
        Assert.Equal(ActivityKind.Server, user.Kind);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", user.TraceId.ToHexString());   // the caller's trace
        Assert.Equal("b7ad6b7169203331", user.ParentSpanId.ToHexString());
        Assert.Equal(200, user.GetTagItem("http.response.status_code"));
        Assert.Equal("/users/42", user.GetTagItem("url.path"));
        var failed = Assert.Single(spans, s => s.DisplayName == "GET /fail");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.GetTagItem("error.type"));
    }

    [Fact]
    public async Task Schemes_a_trusted_proxy_passes_on_cannot_grow_the_url_scheme_series()
    {
        // Issue 20: every proto token from a trusted hop became a new url.scheme tag set (1,000 values, 2,007 sets).
        var schemes = new ConcurrentDictionary<string, int>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Micro.Http")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "url.scheme")
                {
                    schemes.AddOrUpdate((string)tag.Value!, 1, (_, n) => n + 1);
                }
            }
        });
        listener.Start();
        var app = new MicroApp().UseForwardedHeaders();
        app.Get("/", (req, res) => res.Send(req.Scheme));
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            var requests = string.Concat(Enumerable.Range(0, 1000).Select(i =>
                $"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.{i % 250}\r\nX-Forwarded-Proto: {(i % 3 == 0 ? "https" : $"proto{i}")}\r\n\r\n"));
            await client.SendAsync(requests + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            await client.ReadToEndAsync();
        });
        listener.Dispose();
        Assert.Equal(["http", "https"], schemes.Keys.Order());
        Assert.Equal(1001, schemes.Values.Sum());
    }

    /// <summary>
    /// What a connection and a request are counted under is decided when they start: a meter listener that starts
    /// while both are open (dotnet-counters attached to a running server) sees neither end without having seen it
    /// begin, so the active counts never go below zero.
    /// </summary>
    [Fact]
    public async Task A_meter_listener_started_mid_request_sees_no_end_without_its_start()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp();
        app.Get("/hold", async (req, res) =>
        {
            entered.SetResult();
            await release.Task;
            res.Send("held");
        });
        // A tracer listens from the start, so the request is observed from its start; its meters are not yet.
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Micro.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(tracing);
        var measurements = new ConcurrentQueue<string>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name is "Micro.Http" or "Micro.Server")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => measurements.Enqueue(instrument.Name));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => measurements.Enqueue(instrument.Name));

        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            await entered.Task;
            listener.Start();
            release.SetResult();
            Assert.EndsWith("held", await client.ReadToEndAsync(), StringComparison.Ordinal);
        });
        listener.Dispose();

        Assert.Contains("http.server.request.duration", measurements); // the listener did hear the request end
        Assert.DoesNotContain("http.server.active_requests", measurements);
        Assert.DoesNotContain("micro.server.active_connections", measurements);
    }

    [Fact]
    public async Task Without_listeners_no_span_is_started()
    {
        Activity? seen = null;
        var app = new MicroApp();
        app.Get("/", (req, res) =>
        {
            seen = Activity.Current;
            res.Send("ok");
        });
        await TestApp.RunAsync(app, async (client, _) => await client.GetAsync("/"));
        Assert.Null(seen);
    }
}
