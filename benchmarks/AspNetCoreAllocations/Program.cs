// Bytes the process allocates per request while an ASP.NET Core app (minimal APIs: text, JSON, a route value, a small
// body read with a StreamReader as HttpArena's aspnet-minimal reads it, with a length or chunked, a JSON body bound
// to a type, which ASP.NET Core reads through HttpRequest.BodyReader) answers
// pipelined requests over plain sockets, on Kestrel, on Micro (thread pool) and on Micro inline, side by side in one
// process. The client reuses its buffers, so what is counted is the server's (and the runtime's background work,
// the same for all three). Run: dotnet run -c Release --project benchmarks/AspNetCoreAllocations [requests]
using System.Net.Sockets;
using System.Text;

var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200_000;
var onlyServer = args.Length > 1 ? args[1] : null; // kestrel, micro or inline: one server only (to trace it)
var onlyPath = args.Length > 2 ? args[2] : null;
const int Depth = 16;
Console.WriteLine($"{requests} requests per path, pipelined {Depth}, after a warm-up; bytes allocated per request:");
Console.WriteLine($"{"path",-18} {"Kestrel",10} {"Micro",10} {"inline",10}");
foreach (var path in new[] { "/plaintext", "/json", "/users/42", "POST /sum", "POST /sum chunked", "POST /echo", "POST /echo chunked" }.Where(path => onlyPath is null || path == onlyPath))
{
    var results = new List<double>();
    foreach (var server in new[] { "kestrel", "micro", "inline" })
    {
        if (onlyServer is not null && server != onlyServer)
        {
            results.Add(double.NaN);
            continue;
        }
        await using var app = await StartAsync(server);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        await DriveAsync(port, path, 20_000); // warm-up: JIT tiers, pools
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await DriveAsync(port, path, requests);
        results.Add((GC.GetTotalAllocatedBytes(precise: true) - before) / (double)requests);
        await app.StopAsync();
    }
    Console.WriteLine($"{path,-18} {results[0],10:F0} {results[1],10:F0} {results[2],10:F0}");
}

static async Task<WebApplication> StartAsync(string server)
{
    var builder = WebApplication.CreateBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    if (server != "kestrel")
    {
        builder.WebHost.UseMicro(options => options.Scheduling = server == "inline" ? ApplicationScheduling.Inline : ApplicationScheduling.ThreadPool);
    }
    var app = builder.Build();
    app.MapGet("/plaintext", () => "Hello, World!");
    app.MapGet("/json", () => Results.Json(new { message = "Hello, World!" }));
    app.MapGet("/users/{id:int}", (int id) => Results.Json(new { id }));
    app.MapPost("/sum", async (HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        return (1 + int.Parse(await reader.ReadToEndAsync(), System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    });
    app.MapPost("/echo", (Payload payload) => Results.Json(new Payload(payload.Id + 1, payload.Name)));
    await app.StartAsync();
    return app;
}

static async Task DriveAsync(int port, string path, int count)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await socket.ConnectAsync("127.0.0.1", port);
    var one = Encoding.ASCII.GetBytes(path switch
    {
        "POST /sum" => "POST /sum HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n41",
        "POST /echo" => "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n{\"id\":41,\"name\":\"micro\"}",
        "POST /echo chunked" => "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n18\r\n{\"id\":41,\"name\":\"micro\"}\r\n0\r\n\r\n",
        "POST /sum chunked" => "POST /sum HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n41\r\n0\r\n\r\n",
        _ => $"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n",
    });
    var batch = new byte[one.Length * Depth];
    for (var i = 0; i < Depth; i++)
    {
        one.CopyTo(batch, i * one.Length);
    }
    var buffer = new byte[256 * 1024];
    var counter = new StatusLineCounter();
    var answered = 0;
    while (answered < count)
    {
        await socket.SendAsync(batch);
        var expected = answered + Depth;
        while (answered < expected)
        {
            var read = await socket.ReceiveAsync(buffer);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }
            answered += counter.Count(buffer.AsSpan(0, read));
        }
    }
}

// Responses counted by their status lines, matched byte by byte so a line split between two reads still counts once.
internal sealed class StatusLineCounter
{
    private static readonly byte[] Marker = "HTTP/1.1 200"u8.ToArray();
    private int _matched;

    public int Count(ReadOnlySpan<byte> received)
    {
        var count = 0;
        foreach (var b in received)
        {
            _matched = b == Marker[_matched] ? _matched + 1 : (b == Marker[0] ? 1 : 0);
            if (_matched == Marker.Length)
            {
                count++;
                _matched = 0;
            }
        }
        return count;
    }
}

internal sealed record Payload(int Id, string Name);
