// The TechEmpower plaintext and JSON endpoints for benchmarks/load/run.sh, written twice: on Micro's low-level
// handler (default), and with the public API (--api), so the cost of the API can be measured.
// With --compression, the public API behind app.UseCompression(), serving /json-1k and /json-60k (JSON bodies of about
// 1 KB and 60 KB) as well: benchmarks/load/compression.sh measures what gzip and Brotli cost per response.
// The public API also serves WebSockets for benchmarks/load/websockets.sh: /ws (echo), /sub (the topic "bench"), POST /publish.
// With --redis CONFIGURATION (and --api), its topics cross instances through Redis: benchmarks/load/backplane.sh.
// Usage: MicroServer.App PORT [--api | --compression] [--redis CONFIGURATION]
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Micro;
using Micro.Compression;
using Micro.Hosting;
using Micro.Http;
using Micro.WebSockets;

var options = new MicroServerOptions();
options.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, args.Length > 0 ? int.Parse(args[0]) : 8080));
if (args.Contains("--api") || args.Contains("--compression"))
{
    var app = new MicroApp(options);
    if (Array.IndexOf(args, "--redis") is var redis and >= 0)
    {
        app.Topics.UseBackplane(new Micro.Redis.RedisBackplane(new Micro.Redis.RedisBackplaneOptions { Configuration = args[redis + 1], ChannelPrefix = "micro:bench:" }));
    }
    if (args.Contains("--compression"))
    {
        app.UseCompression();
        var small = Enumerable.Range(0, 16).Select(i => new Message($"Hello, World! Message number {i:D4} of the small body.")).ToArray();
        var large = Enumerable.Range(0, 900).Select(i => new Message($"Hello, World! Message number {i:D4} of the large body.")).ToArray();
        app.Get("/json-1k", (req, res) => res.Json(small, AppJson.Default.MessageArray));
        app.Get("/json-60k", (req, res) => res.Json(large, AppJson.Default.MessageArray));
    }
    app.Get("/plaintext", (req, res) => res.Header("Content-Type", "text/plain").Send("Hello, World!"u8));
    app.Get("/json", (req, res) => res.Json(new Message("Hello, World!"), AppJson.Default.Message));
    // For benchmarks/load/websockets.sh: an echo, a topic to subscribe to, a publish, and the managed heap.
    app.WebSocket("/ws", async (ws, req) =>
    {
        await foreach (var message in ws)
        {
            await ws.SendAsync(message.Data, message.Type);
        }
    });
    app.WebSocket("/sub", async (ws, req) =>
    {
        ws.Subscribe("bench");
        await ws.SendAsync("subscribed");
        await foreach (var message in ws)
        {
        }
    });
    app.Post("/publish", async (req, res) => res.Send((await app.Publish("bench", req.Body.Span)).ToString()));
    app.Get("/memory", (req, res) => res.Send(GC.GetTotalMemory(forceFullCollection: true).ToString()));
    app.Start();
    Console.WriteLine($"Micro (public API) listening on http://{app.EndPoints[0]}");
    await app.RunAsync();
    return;
}
var server = new MicroServer(options, Handle);
server.Start();
Console.WriteLine($"Micro listening on http://{server.EndPoints[0]}");
await server.RunAsync();

static ValueTask Handle(HttpExchange exchange)
{
    var path = exchange.Head.Path.Of(exchange.RequestBytes);
    if (path.SequenceEqual("/plaintext"u8))
    {
        exchange.Respond(200, "text/plain"u8, "Hello, World!"u8);
    }
    else if (path.SequenceEqual("/json"u8))
    {
        // Serialized per request, as TechEmpower requires.
        var writer = JsonWriterCache.Get(exchange.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("message"u8, "Hello, World!"u8);
        writer.WriteEndObject();
        writer.Flush();
        exchange.AddHeader("Content-Type"u8, "application/json"u8);
    }
    else if (path.SequenceEqual("/pipeline"u8))
    {
        // HttpArena's pipelined profile (benchmarks/load/engines.sh: the raw handler beside the arena's engines).
        exchange.Respond(200, "text/plain"u8, "ok"u8);
    }
    else if (path.SequenceEqual("/baseline11"u8))
    {
        // HttpArena's baseline: a + b from the query, plus the body's number when it is a POST.
        var sum = ArenaBaseline.Sum(exchange.Head.Query.Of(exchange.RequestBytes), exchange.Body);
        Span<byte> text = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(sum, text, out var written);
        exchange.Respond(200, "text/plain"u8, text[..written]);
    }
    else if (path.SequenceEqual("/memory"u8))
    {
        // Diagnostics for benchmarks/IdleConnections: the managed heap after a full collection, in bytes.
        exchange.Respond(200, "text/plain"u8, System.Text.Encoding.ASCII.GetBytes(GC.GetTotalMemory(forceFullCollection: true).ToString()));
    }
    else
    {
        exchange.Respond(404, "text/plain"u8, "Not Found"u8);
    }
    return default;
}

internal static class ArenaBaseline
{
    /// <summary>The integers of the query's values (a=13&amp;b=42) and of the body, summed; what is not a number counts 0.</summary>
    public static long Sum(ReadOnlySpan<byte> query, ReadOnlySpan<byte> body)
    {
        long sum = Number(body);
        while (!query.IsEmpty)
        {
            var end = query.IndexOf((byte)'&');
            var pair = end < 0 ? query : query[..end];
            if (pair.IndexOf((byte)'=') is var equals and >= 0)
            {
                sum += Number(pair[(equals + 1)..]);
            }
            query = end < 0 ? default : query[(end + 1)..];
        }
        return sum;
    }

    private static long Number(ReadOnlySpan<byte> text) => System.Buffers.Text.Utf8Parser.TryParse(text, out long value, out _) ? value : 0;
}

internal static class JsonWriterCache
{
    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    public static Utf8JsonWriter Get(System.Buffers.IBufferWriter<byte> output)
    {
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(output);
        }
        else
        {
            _writer.Reset(output);
        }
        return _writer;
    }
}

internal record Message(string message);

[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(Message[]))]
internal partial class AppJson : JsonSerializerContext;
