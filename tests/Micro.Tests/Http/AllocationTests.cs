using System.Text.Json.Serialization;

namespace Micro.Tests.Http;

[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>
/// What the server allocates and holds, measured with the runtime's own counters. The per-request tests count on the
/// reactor thread only, so they prove the path itself; the upload test measures the heap, hence its own collection
/// (which runs alone: issue 20 saw it fail once when it measured the whole process's allocations beside other tests).
/// </summary>
[Collection(nameof(AllocationTests))]
public sealed class AllocationTests
{
    private const int Measured = 10_000;

    [Theory]
    [InlineData("/plaintext")]
    [InlineData("/json")]
    [InlineData("/users/12345")]
    [InlineData("/headers")]
    [InlineData("/sum?a=1&B=2&c=x")]
    public async Task A_callback_route_allocates_nothing_per_request(string path)
    {
        var message = new Greeting("Hello, World!");
        var app = new MicroApp();
        app.Get("/plaintext", (req, res) => res.Header("Content-Type", "text/plain").Send("Hello, World!"u8));
        app.Get("/json", (req, res) => res.Json(message, AllocationJson.Default.Greeting));
        app.Get("/users/:id", (req, res) => res.Send(req.Params.GetInt("id") == 12345 ? "found"u8 : "other"u8));
        // A route's own middleware sets headers, and the handler replaces, removes and appends: the pooled header store.
        Middleware defaults = (req, res, next) =>
        {
            res.Header("Cache-Control", "no-store").Header("X-Frame-Options", "DENY");
            return next.Invoke();
        };
        app.Get("/headers", defaults, (req, res) =>
        {
            res.Header("Cache-Control", "max-age=60").RemoveHeader("X-Frame-Options").AppendHeader("Vary", "Accept");
            res.Send("headers"u8);
        });
        // The query's typed getters read it in place (the arena's baseline): no dictionary of strings per request.
        app.Get("/sum", (req, res) => res.Send(req.Query.GetInt("a") + req.Query.Get<long>("b") == 3 ? "three"u8 : "other"u8));
        // Anything allocated per request would be at least 24 bytes times 10,000; what remains is the once-a-second Date refresh.
        Assert.InRange(await AllocatedOnTheReactorAsync(app, path), 0, 4_096);
    }

    /// <summary>
    /// Bytes the reactor thread allocates across 10,000 pipelined requests for <paramref name="path"/>, after a warm-up
    /// (pools filled, code jitted): read by a /mark route before and after, on the same connection and so the same
    /// reactor. Measured over two windows of 10,000, and the smaller is returned: what a request allocates shows in
    /// both (at least 24 bytes times 10,000), while a one-off on the reactor thread (a pool growing by one under a
    /// slower client while other tests load the cores, the once-a-second Date refresh) lands in at most one of them.
    /// </summary>
    private static async Task<long> AllocatedOnTheReactorAsync(MicroApp app, string path, string? request = null)
    {
        var marks = new long[3];
        var marked = 0;
        app.Get("/mark", (req, res) =>
        {
            marks[marked++] = GC.GetAllocatedBytesForCurrentThread();
            res.Send("marked"u8);
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            request ??= $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n";
            await SendPipelinedAsync(client, request, 2_000);
            await SendPipelinedAsync(client, "GET /mark HTTP/1.1\r\nHost: x\r\n\r\n", 1);
            await SendPipelinedAsync(client, request, Measured);
            await SendPipelinedAsync(client, "GET /mark HTTP/1.1\r\nHost: x\r\n\r\n", 1);
            await SendPipelinedAsync(client, request, Measured);
            await SendPipelinedAsync(client, "GET /mark HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        });
        Assert.Equal(3, marked);
        return Math.Min(marks[1] - marks[0], marks[2] - marks[1]);
    }

    [Theory]
    [InlineData("/plaintext")]
    [InlineData("/json")]
    public async Task Compression_and_CORS_that_do_not_act_on_a_request_allocate_nothing_for_it(string path)
    {
        // Issue 24: a feature a request does not use costs it nothing. No Accept-Encoding: nothing to compress; no
        // Origin: nothing for CORS to say.
        var message = new Greeting("Hello, World!");
        var app = new MicroApp();
        Micro.Compression.ResponseCompression.UseCompression(app);
        Micro.Cors.CorsMiddleware.UseCors(app, cors => cors.WithOrigins("https://app.example"));
        app.Get("/plaintext", (req, res) => res.Header("Content-Type", "text/plain").Send("Hello, World!"u8));
        app.Get("/json", (req, res) => res.Json(message, AllocationJson.Default.Greeting));
        Assert.InRange(await AllocatedOnTheReactorAsync(app, path), 0, 4_096);
    }

    [Fact]
    public async Task Compression_that_does_not_act_adds_nothing_to_what_an_async_route_allocates()
    {
        // Without Accept-Encoding the response only owes Vary, decided as its head is written: nothing waits for the
        // route to finish (a compression layer that did allocated a state machine for every request an async route
        // answered later).
        static MicroApp App(bool compressed)
        {
            var app = new MicroApp();
            if (compressed)
            {
                Micro.Compression.ResponseCompression.UseCompression(app);
            }
            app.Get("/later", async (req, res) =>
            {
                await Task.Yield(); // finishes later, on the reactor
                res.Send("later");
            });
            return app;
        }
        var plain = await AllocatedOnTheReactorAsync(App(compressed: false), "/later");
        var compressed = await AllocatedOnTheReactorAsync(App(compressed: true), "/later");
        Assert.InRange(compressed - plain, long.MinValue, Measured * 8L); // a per-request object would be at least 24 bytes each
    }

    [Fact]
    public async Task A_small_streamed_body_hands_the_pipes_buffer_back_instead_of_leaving_it_to_the_collector()
    {
        // Every chunked body ASP.NET Core on Micro reads is streamed. The connection let go of the pipe once the body
        // had arrived, and the exchange dropped it: its 64 KiB, rented per request, went to the garbage collector
        // (69 KB allocated per pipelined chunked POST against Kestrel's 4.6 KB, the GC's page faults the top of the
        // profile). Streamed here, read whole by the handler as a StreamReader reads, or not read at all.
        var app = new MicroApp();
        app.ServerOptions.StreamRequestBody = (head, _) => head.Framing == Micro.Parser.BodyFraming.Chunked;
        var buffer = new byte[64];
        app.Post("/sum", async (req, res) =>
        {
            var total = 0;
            int read;
            while ((read = await req.Exchange.ReadBodyAsync(buffer)) > 0)
            {
                total += read;
            }
            res.Send(total == 2 ? "2"u8 : "?"u8);
        });
        const string Chunked = " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n41\r\n0\r\n\r\n";
        // What is left per request is the pipe itself and its lock (96 bytes): the body has arrived with its head, so it
        // is in the pipe before the handler runs, which reads it at once, and the pipe's buffer is back in the pool
        // before the next request is read.
        Assert.InRange(await AllocatedOnTheReactorAsync(app, "/sum", "POST /sum" + Chunked), 0, Measured * 128L);
        var ignoring = new MicroApp();
        ignoring.ServerOptions.StreamRequestBody = app.ServerOptions.StreamRequestBody;
        ignoring.Post("/ignore", (req, res) => res.Send("ignored"u8));
        Assert.InRange(await AllocatedOnTheReactorAsync(ignoring, "/ignore", "POST /ignore" + Chunked), 0, Measured * 128L);
    }

    [Fact]
    public async Task A_64_MiB_upload_streams_through_without_being_held()
    {
        const int size = 64 * 1024 * 1024;
        var heldMidway = -1L;
        var app = new MicroApp();
        app.ServerOptions.MaxRequestBodySize = 100 * 1024 * 1024;
        app.Post("/upload", async (req, res) =>
        {
            long total = 0;
            var chunk = new byte[16 * 1024];
            await foreach (var part in req.Multipart())
            {
                int read;
                while ((read = await part.Body.ReadAsync(chunk)) > 0)
                {
                    total += read;
                    if (heldMidway < 0 && total >= size / 2)
                    {
                        heldMidway = GC.GetTotalMemory(forceFullCollection: true); // what is held, with half the body through
                    }
                }
            }
            res.Send(total.ToString());
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            const string boundary = "upload-boundary";
            var start = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n");
            var end = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
            var head = $"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {start.Length + size + end.Length}\r\n\r\n";
            var block = new byte[64 * 1024];
            Array.Fill(block, (byte)'u');

            // Held, not allocated: what an upload allocates on its way through depends on how the reads fall (each
            // read that waits costs its awaits), while what it holds does not. This collection runs alone, so the
            // heap is this test's.
            var before = GC.GetTotalMemory(forceFullCollection: true);
            await client.SendAsync(Encoding.ASCII.GetBytes(head));
            await client.SendAsync(start);
            for (var sent = 0; sent < size; sent += block.Length)
            {
                await client.Socket.SendAsync(block, SocketFlags.None);
            }
            await client.SendAsync(end);
            var response = Assert.Single(await client.ReadResponsesAsync(1));

            Assert.Equal(size.ToString(), response.Body);
            // Buffered whole, half the body alone would be 32 MiB; streamed, a pipe of 256 KiB and the readers' buffers.
            Assert.InRange(heldMidway - before, -8 * 1024 * 1024, 8 * 1024 * 1024);
        });
    }

    private static async Task SendPipelinedAsync(RawClient client, string request, int count)
    {
        var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(request, 100)));
        for (var sent = 0; sent < count; sent += 100)
        {
            var now = Math.Min(100, count - sent);
            await client.Socket.SendAsync(batch.AsMemory(0, now * request.Length), SocketFlags.None);
            await client.ReadResponsesAsync(now);
        }
    }
}

public sealed record Greeting(string Message);

[JsonSerializable(typeof(Greeting))]
internal sealed partial class AllocationJson : JsonSerializerContext;
