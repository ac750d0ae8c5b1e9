using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;

namespace Micro.AspNetCore.Tests;

/// <summary>Where the server listens, how it is configured and how it stops, as an ASP.NET Core app expects.</summary>
public sealed class HostingTests
{
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static void MapThread(WebApplication app) => app.MapGet("/", () => Thread.CurrentThread.Name ?? "pool");

    [Theory]
    [OnEveryServer]
    public async Task Several_urls_are_all_bound_and_reported_with_their_ports(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, MapThread, urls: "http://127.0.0.1:0;http://127.0.0.1:0");
        Assert.Equal(2, app.Addresses.Count);
        Assert.NotEqual(app.Addresses[0], app.Addresses[1]);
        foreach (var address in app.Addresses)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync(address + "/")).StatusCode);
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task Http_ports_listens_on_every_address(ServerKind server)
    {
        var port = FreePort();
        await using var app = await ServedApp.StartAsync(server, MapThread, configure: builder => builder.WebHost.UseSetting("http_ports", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), urls: null);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://127.0.0.1:{port}/")).StatusCode);
    }

    [Theory]
    [OnEveryServer]
    public async Task Localhost_binds_both_loopbacks_and_another_name_every_address(ServerKind server)
    {
        // A client that resolves localhost to ::1 first (Node's fetch does) must reach the app as it does on Kestrel.
        var port = FreePort();
        await using (var app = await ServedApp.StartAsync(server, MapThread, urls: $"http://localhost:{port}"))
        {
            Assert.Equal([$"http://localhost:{port}"], app.Addresses);
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://127.0.0.1:{port}/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://[::1]:{port}/")).StatusCode);
        }
        // A name is not resolved: the address says nothing to bind, and every address is bound.
        var named = FreePort();
        await using (var app = await ServedApp.StartAsync(server, MapThread, urls: $"http://example.test:{named}"))
        {
            Assert.Equal([$"http://[::]:{named}"], app.Addresses);
            if (server != ServerKind.Kestrel)
            {
                Assert.Contains(app.Log.Entries, entry => entry.Message.Contains("names a host, which is not resolved", StringComparison.Ordinal)); // a typo is seen
            }
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://127.0.0.1:{named}/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://[::1]:{named}/")).StatusCode);
        }
        // Two loopbacks would get two ports: refused in Kestrel's words.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServedApp.StartAsync(server, MapThread, urls: "http://localhost:0"));
        Assert.Contains("Dynamic port binding is not supported when binding to localhost. You must either bind to 127.0.0.1:0 or [::1]:0, or both.", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [OnEveryServer]
    public async Task Endpoints_in_the_kestrel_configuration_section_are_bound_instead_of_the_urls(ServerKind server)
    {
        // As appsettings.json's "Kestrel": { "Endpoints": ... } or Kestrel__Endpoints__Http__Url in a container set it.
        var configured = FreePort();
        var http2Only = FreePort();
        await using var app = await ServedApp.StartAsync(server, MapThread, configure: builder =>
        {
            builder.Configuration["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{configured}";
            builder.Configuration["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{http2Only}";
            builder.Configuration["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        });
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://127.0.0.1:{configured}/")).StatusCode);
        Assert.Contains(app.Log.Entries, entry => entry.Message.StartsWith("Overriding address(es) 'http://127.0.0.1:0'", StringComparison.Ordinal));
        if (server != ServerKind.Kestrel)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => app.Client.GetAsync($"http://127.0.0.1:{http2Only}/")); // HTTP/2 alone: not Micro's
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task Endpoints_configured_for_kestrel_in_code_are_used_and_the_http2_only_one_is_left_out_on_micro(ServerKind server)
    {
        var http1 = FreePort();
        var http2 = FreePort();
        await using var app = await ServedApp.StartAsync(server, MapThread, configure: builder => builder.WebHost.ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, http1, listen => listen.Protocols = HttpProtocols.Http1);
            options.Listen(IPAddress.Loopback, http2, listen => listen.Protocols = HttpProtocols.Http2);
        }));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync($"http://127.0.0.1:{http1}/")).StatusCode);
        if (server != ServerKind.Kestrel)
        {
            Assert.Contains(app.Log.Entries, entry => entry.Message.Contains("Overriding address(es)", StringComparison.Ordinal));
            await Assert.ThrowsAsync<HttpRequestException>(() => app.Client.GetAsync($"http://127.0.0.1:{http2}/"));
        }
    }

    [Theory]
    [InlineData(null, null)]          // the thread pool schedule: one per core, as Kestrel's I/O queues
    [InlineData("Inline", null)]      // inline: the app is the reactors' own work, one per core
    [InlineData(null, "3")]           // chosen: as chosen, whichever the schedule
    [InlineData("Inline", "3")]
    public async Task The_reactors_default_to_one_per_core_unless_chosen(string? scheduling, string? reactors)
    {
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, web => web.MapGet("/", () => "ok"), configure: builder =>
        {
            if (scheduling is not null)
            {
                builder.Configuration["Micro:Scheduling"] = scheduling;
            }
            if (reactors is not null)
            {
                builder.Configuration["Micro:ReactorCount"] = reactors;
            }
        }, defaultReactors: true);
        var expected = reactors is not null ? 3 : Environment.ProcessorCount;
        Assert.Equal(expected, app.Engine.Reactors.Count);
        Assert.Equal("ok", await app.Client.GetStringAsync("/"));
    }

    [Theory]
    [InlineData("Micro:MaxRequestBodySize", "-1", "MicroServerHostOptions.MaxRequestBodySize is -1")]
    [InlineData("Micro:MaxBufferedRequestBodySize", "-5", "MicroServerHostOptions.MaxBufferedRequestBodySize is -5")]
    [InlineData("Micro:MaxPipelinedRequests", "0", "MicroServerOptions.MaxPipelinedRequests is 0")]
    [InlineData("Micro:ServerHeader", "a\u0007b", "MicroServerOptions.ServerHeader")]
    public async Task A_setting_the_server_cannot_serve_by_fails_the_start_by_name(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => ServedApp.StartAsync(ServerKind.Micro, web => web.MapGet("/", () => "ok"),
            configure: builder => builder.Configuration[key] = System.Text.RegularExpressions.Regex.Unescape(value)));
        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_micro_configuration_section_sets_the_engine_and_the_host()
    {
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, web =>
        {
            MapThread(web);
            web.MapPost("/body", async (Microsoft.AspNetCore.Http.HttpRequest request) => (await new StreamReader(request.Body).ReadToEndAsync()).Length);
        }, configure: builder =>
        {
            builder.Configuration["Micro:Scheduling"] = "Inline";
            builder.Configuration["Micro:ReactorCount"] = "1";
            builder.Configuration["Micro:MaxRequestBodySize"] = "10";
            builder.Configuration["Micro:ServerHeader"] = "configured";
        });
        var answer = await app.Client.GetAsync("/");
        Assert.Equal("Micro reactor 0", await answer.Content.ReadAsStringAsync()); // inline, on the only reactor
        Assert.Equal("configured", answer.Headers.Server.ToString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/body", new StringContent("more than ten bytes"))).StatusCode);
    }

    [Fact]
    public async Task Inline_the_app_goes_on_on_its_reactor_after_a_body_read_that_waited_for_the_client()
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web => web.MapPost("/body", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
        {
            reading.TrySetResult();
            var text = await new StreamReader(request.Body).ReadToEndAsync(); // StreamReader awaits with ConfigureAwait(false), as most readers do
            return $"{Thread.CurrentThread.Name ?? "pool"}: {text}";
        }), micro: options => options.Server.ReactorCount = 1);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the app waits for a body that has not come
        await client.SendAsync("5\r\nhello\r\n0\r\n\r\n");
        var (status, _, body) = await client.ReadResponseAsync();
        Assert.Equal(200, status);
        Assert.Equal("Micro reactor 0: hello", body); // not a thread pool thread: inline means the rest of the app too
    }

    [Fact]
    public async Task Inline_a_body_read_that_waited_goes_on_on_the_reactor_without_a_trip_through_the_thread_pool()
    {
        // The body's bytes arrive on the reactor. A read that waited for them used to finish on a thread pool thread
        // (the body's source runs its continuations asynchronously, and the stream awaited it with
        // ConfigureAwait(false)), and the app's continuation was then posted back to the reactor, waking it: every
        // waiting read of an inline app went through the pool and back (twice the CPU per upload). Now it finishes on
        // the reactor and nothing from off the reactor wakes it while the body streams in.
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Length = 4_000_000;
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web => web.MapPost("/upload", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
        {
            var buffer = new byte[64 * 1024];
            reading.TrySetResult();
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0) // as an upload handler reads
            {
                total += read;
            }
            return $"{Thread.CurrentThread.Name}: {total}";
        }), micro: options => options.Server.ReactorCount = 1);
        var reactor = app.FirstReactor;
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync($"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {Length}\r\n\r\n"); // streamed: past the buffered size
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the app waits for a body that has not come
        var wakesBefore = reactor.Wakes;
        var piece = new byte[64 * 1024];
        for (var sent = 0; sent < Length; sent += piece.Length)
        {
            await client.SendAsync(piece.AsMemory(0, Math.Min(piece.Length, Length - sent)).ToArray());
        }
        var (status, _, body) = await client.ReadResponseAsync();
        Assert.Equal(200, status);
        Assert.Equal($"Micro reactor 0: {Length}", body);
        Assert.True(reactor.Wakes - wakesBefore <= 2, $"the reactor was woken from other threads {reactor.Wakes - wakesBefore} times while the body streamed in");
    }

    [Fact]
    public async Task Inline_a_response_write_that_waited_for_the_client_goes_on_on_the_reactor()
    {
        // As a body read: a write that waited for room (the client reads slower than the app writes) finished on a
        // thread pool thread and the app was posted back, waking the reactor at every wait.
        const int Pieces = 64;
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web => web.MapGet("/download", async (Microsoft.AspNetCore.Http.HttpContext context) =>
        {
            var piece = new byte[64 * 1024];
            context.Response.ContentLength = (long)Pieces * piece.Length;
            for (var i = 0; i < Pieces; i++)
            {
                await context.Response.Body.WriteAsync(piece); // through the Stream, as a file or a proxy copies
            }
        }), micro: options => options.Server.ReactorCount = 1);
        var reactor = app.FirstReactor;
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        var wakesBefore = reactor.Wakes;
        await client.SendAsync("GET /download HTTP/1.1\r\nHost: x\r\n\r\n");
        var (status, _, body) = await client.ReadResponseAsync();
        Assert.Equal(200, status);
        Assert.Equal(Pieces * 64 * 1024, body.Length);
        Assert.True(reactor.Wakes - wakesBefore <= 2, $"the reactor was woken from other threads {reactor.Wakes - wakesBefore} times while the response was written");
    }

    [Fact]
    public async Task Inline_a_request_that_awaited_is_finished_on_the_reactor_without_a_trip_through_the_thread_pool()
    {
        // An app whose continuation came home completes on the reactor; its response used to be finished from a
        // thread pool thread (the engine awaited it with ConfigureAwait(false)) and posted back, a wake per request.
        const int Requests = 50;
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web => web.MapGet("/yield", async () =>
        {
            await Task.Yield();
            return Thread.CurrentThread.Name;
        }), micro: options => options.Server.ReactorCount = 1);
        var wakes = await app.WakesWhileAnsweringAsync("GET /yield HTTP/1.1\r\nHost: x\r\n\r\n", Requests,
            answer => Assert.Equal((200, "Micro reactor 0"), (answer.Status, answer.Body)));
        Assert.True(wakes <= 2, $"the reactor was woken from other threads {wakes} times for {Requests} requests");
    }

    [Fact]
    public async Task Inline_the_failures_that_now_end_on_the_reactor_are_answered_and_the_server_goes_on()
    {
        // The paths the inline fixes moved onto the reactor, when they fail: an app that throws after it awaited
        // (answered 500, the connection kept), and a body read waiting for a client that leaves (the read fails, the
        // request ends); then new connections are served.
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readEnded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web =>
        {
            web.MapGet("/throws-later", async Task<string> () =>
            {
                await Task.Yield();
                throw new InvalidOperationException("failed after an await");
            });
            web.MapGet("/ok", () => "ok");
            web.MapPost("/upload", async (Microsoft.AspNetCore.Http.HttpRequest request) =>
            {
                var buffer = new byte[64 * 1024];
                reading.TrySetResult();
                try
                {
                    while (await request.Body.ReadAsync(buffer) > 0)
                    {
                    }
                    readEnded.TrySetResult("the body ended");
                }
                catch (Exception error)
                {
                    readEnded.TrySetResult(error.GetType().Name);
                    throw;
                }
            });
        });
        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET /throws-later HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(500, (await client.ReadResponseAsync()).Status);
            await client.SendAsync("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal("ok", (await client.ReadResponseAsync()).Body);
        }
        var leaving = await RawHttpClient.ConnectAsync(app.Address);
        await leaving.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n");
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await leaving.SendAsync(new byte[100_000]);
        leaving.Reset();
        Assert.NotEqual("the body ended", await readEnded.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        await app.AssertServesNewConnectionsAsync();
    }

    [Fact]
    public async Task Https_addresses_are_refused_at_start_with_the_reason()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ServedApp.StartAsync(ServerKind.Micro, MapThread, urls: "https://127.0.0.1:0"));
        Assert.Contains("plain http://", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>An address with a path (a path base, which is the app's to set) is refused at start in Kestrel's words.</summary>
    [Theory]
    [OnEveryServer]
    public async Task An_address_with_a_path_is_refused_at_start_as_kestrel_refuses_it(ServerKind server)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ServedApp.StartAsync(server, MapThread, urls: "http://127.0.0.1:0/base"));
        Assert.Contains("A path base can only be configured using IApplicationBuilder.UsePathBase().", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [OnEveryServer]
    public async Task Stopping_the_host_lets_the_request_in_progress_finish(ServerKind server)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/slow", async () =>
        {
            started.SetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            return "finished";
        }));
        var pending = app.Client.GetStringAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var lifetime = app.App.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = app.App.StopAsync();
        await Task.Run(() => lifetime.ApplicationStopping.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)));
        release.SetResult();
        Assert.Equal("finished", await pending);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(app.Url + "/slow"));
    }

    [Fact]
    public async Task Two_hosts_share_a_port_when_configured_to()
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        await using var first = await ServedApp.StartAsync(ServerKind.Micro, MapThread, configure: builder => builder.Configuration["Micro:SharePort"] = "true", urls: url);
        await using var second = await ServedApp.StartAsync(ServerKind.Micro, MapThread, configure: builder => builder.Configuration["Micro:SharePort"] = "true", urls: url);
        Assert.Equal(HttpStatusCode.OK, (await first.Client.GetAsync("/")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => ServedApp.StartAsync(ServerKind.Micro, MapThread, urls: url)); // without sharing: the port is taken
    }
}
