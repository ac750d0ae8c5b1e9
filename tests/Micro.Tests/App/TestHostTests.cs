using System.Net.Http.Json;
using Micro.Testing;

namespace Micro.Tests.App;

/// <summary>The in-memory host: a whole app, its engine and its limits, with no socket.</summary>
public sealed class TestHostTests
{
    private static MicroApp SampleApp()
    {
        var app = new MicroApp();
        app.Use(async (req, res, next) =>
        {
            res.Header("X-Seen", "yes");
            await next;
        });
        app.Get("/hello/:name", (req, res) => res.Send($"Hello, {req.Params["name"]}!"));
        app.Post("/echo", async (req, res) =>
        {
            await Task.Yield();
            res.Send(req.Body.ToArray());
        });
        app.Get("/slow/:ms", async (req, res) =>
        {
            await Task.Delay(req.Params.GetInt("ms"));
            res.Send(req.Params["ms"]!);
        });
        app.Get("/stream/:lines", async (req, res) =>
        {
            for (var i = 0; i < req.Params.GetInt("lines"); i++)
            {
                await res.WriteAsync($"line {i:D6} {new string('x', 100)}\n");
            }
        });
        return app;
    }

    [Fact]
    public async Task An_http_client_reaches_routes_and_middleware_and_reuses_one_connection()
    {
        await using var host = new MicroTestHost(SampleApp());
        using var client = host.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var response = await client.GetAsync($"/hello/Ana{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"Hello, Ana{i}!", await response.Content.ReadAsStringAsync());
            Assert.Equal("yes", response.Headers.GetValues("X-Seen").Single());
        }
        Assert.Equal(1, host.ConnectionCount);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nowhere")).StatusCode);
        var echoed = await client.PostAsync("/echo", new ByteArrayContent(Encoding.ASCII.GetBytes(new string('e', 200_000))));
        Assert.Equal(200_000, (await echoed.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Pipelined_requests_with_async_handlers_are_answered_in_order()
    {
        await using var host = new MicroTestHost(SampleApp());
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync("GET /slow/50 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/b HTTP/1.1\r\nHost: x\r\n\r\nGET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(3);
        Assert.Equal(["50", "Hello, b!", "1"], responses.Select(r => r.Body));
    }

    [Fact]
    public async Task A_streamed_response_far_larger_than_the_output_bound_arrives_whole()
    {
        await using var host = new MicroTestHost(SampleApp());
        using var client = host.CreateClient();
        var body = await client.GetStringAsync("/stream/20000"); // about 2.3 MB through a 256 KiB pipe
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20_000, lines.Length);
        Assert.StartsWith("line 019999 ", lines[^1]);
    }

    [Fact]
    public async Task Malformed_input_gets_400_and_the_connection_closes()
    {
        await using var host = new MicroTestHost(SampleApp());
        var raw = new RawClient(host.Connect());
        await raw.SendAsync("GET /hello/x HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n");
        var text = await raw.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 400 ", text);
        Assert.Contains("Connection: close", text);
        // As on a socket: the server half-closed after its answer and lingers until the client closes too.
        await raw.DisposeAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.WaitForConnectionCountAsync(0, deadline.Token);
    }

    [Fact]
    public async Task A_client_that_goes_away_aborts_its_running_handler()
    {
        var app = new MicroApp();
        var aborted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Get("/wait", async (req, res) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, req.Aborted);
            }
            catch (OperationCanceledException)
            {
                aborted.SetResult(true);
            }
        });
        await using var host = new MicroTestHost(app);
        var raw = new RawClient(host.Connect());
        await raw.SendAsync("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await raw.DisposeAsync();
        Assert.True(await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_half_closed_client_is_still_answered()
    {
        await using var host = new MicroTestHost(SampleApp());
        var stream = host.Connect();
        await using var raw = new RawClient(stream);
        await raw.SendAsync("GET /slow/20 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/fin HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send); // FIN
        var text = await raw.ReadToEndAsync();
        Assert.Contains("\r\n\r\n20HTTP/1.1 200 OK", text);
        Assert.EndsWith("Hello, fin!", text);
    }

    [Fact]
    public async Task Files_json_and_limits_work_as_on_a_socket()
    {
        var directory = Directory.CreateTempSubdirectory("micro-testhost-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "a.txt"), new string('f', 100_000));
            var app = new MicroApp();
            app.ServerOptions.MaxRequestBodySize = 1000;
            app.Static("/files", directory.FullName);
            app.Post("/json", (req, res) => res.Json(req.Json<Item>()));
            await using var host = new MicroTestHost(app);
            using var client = host.CreateClient();
            Assert.Equal(100_000, (await client.GetStringAsync("/files/a.txt")).Length);
            Assert.Equal(new Item(7, "seven"), await (await client.PostAsJsonAsync("/json", new Item(7, "seven"))).Content.ReadFromJsonAsync<Item>());
            var tooLarge = await client.PostAsync("/json", new StringContent(new string(' ', 2000)));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed record Item(int Id, string Name);
}
