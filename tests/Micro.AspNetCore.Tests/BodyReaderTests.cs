using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// HttpRequest.BodyReader (IRequestBodyPipeFeature), which Micro gives itself as Kestrel does: bodies with a length
/// and chunked, read by a reader that consumes part of what it examined, mixed with HttpRequest.Body, held to the
/// request's limit, over a body a middleware replaced, and CancelPendingRead; JSON bound by minimal APIs goes through it.
/// </summary>
public sealed class BodyReaderTests
{
    private sealed record Item(int Id, string Name);

    private static void Map(WebApplication app)
    {
        app.MapPost("/item", (Item item) => Results.Json(item with { Id = item.Id + 1 }));
        app.MapPost("/lines", async (HttpRequest request) =>
        {
            // A parser's way of reading: take the whole lines, look at the rest and ask for more.
            var reader = request.BodyReader;
            var (lines, bytes, longest) = (0, 0L, 0L);
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end).Length;
                    (lines, bytes, longest) = (lines + 1, bytes + line + 1, Math.Max(longest, line));
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return $"{lines} {bytes + buffer.Length} {longest}";
                }
            }
        });
        app.MapPost("/mixed", async (HttpRequest request) =>
        {
            var result = await request.BodyReader.ReadAsync();
            var start = result.Buffer.Slice(0, Math.Min(10, result.Buffer.Length)).ToArray();
            request.BodyReader.AdvanceTo(result.Buffer.GetPosition(start.Length), result.Buffer.End);
            using var rest = new MemoryStream();
            await request.Body.CopyToAsync(rest);
            return Encoding.ASCII.GetString(start) + "|" + Encoding.ASCII.GetString(rest.ToArray());
        });
        app.MapPost("/steps", async (HttpRequest request) =>
        {
            var taken = new StringBuilder();
            while (true)
            {
                var result = await request.BodyReader.ReadAsync();
                var step = result.Buffer.Slice(0, Math.Min(7, result.Buffer.Length));
                taken.Append(Encoding.ASCII.GetString(step.ToArray())).Append(step.Length > 0 ? "," : "");
                request.BodyReader.AdvanceTo(step.End);
                if (result.IsCompleted && result.Buffer.Length == step.Length)
                {
                    return taken.ToString();
                }
            }
        });
        app.MapPost("/limited", async (HttpContext context) =>
        {
            context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 1000;
            return (await ReadToEndAsync(context.Request.BodyReader)).ToString(CultureInfo.InvariantCulture);
        });
        app.MapPost("/twice", async (HttpRequest request) =>
        {
            request.EnableBuffering(); // the body a middleware would replace: BodyReader reads the replacement
            long first = 0;
            while (true)
            {
                var result = await request.BodyReader.ReadAsync();
                first += result.Buffer.Length;
                request.BodyReader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
            request.Body.Position = 0;
            using var again = new StreamReader(request.Body);
            return $"{first} {(await again.ReadToEndAsync()).Length}";
        });
        app.MapPost("/cancel", async (HttpRequest request) =>
        {
            var reader = request.BodyReader;
            long received = 0;
            while (received < 5) // the first chunk, which came with the head
            {
                var first = await reader.ReadAsync();
                received += first.Buffer.Length;
                reader.AdvanceTo(first.Buffer.End);
            }
            var pending = reader.ReadAsync(); // the client sends nothing more until it has its answer
            reader.CancelPendingRead();
            var result = await pending;
            return result.IsCanceled ? "canceled" : $"not canceled: {result.Buffer.Length} bytes";
        });
        app.MapGet("/none", async (HttpRequest request) =>
        {
            var result = await request.BodyReader.ReadAsync();
            return $"{result.IsCompleted} {result.Buffer.Length}";
        });
    }

    private static async Task<long> ReadToEndAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.End);
                return result.Buffer.Length;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // held whole until the end, as a deserializer may
        }
    }

    private static string Chunked(string path, string body, int chunk = 4000)
    {
        var text = new StringBuilder($"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (var at = 0; at < body.Length; at += chunk)
        {
            var part = body.Substring(at, Math.Min(chunk, body.Length - at));
            text.Append(CultureInfo.InvariantCulture, $"{part.Length:x}\r\n{part}\r\n");
        }
        return text.Append("0\r\n\r\n").ToString();
    }

    private static string WithLength(string path, string body) => $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n{body}";

    [Theory]
    [OnEveryServer]
    public async Task Json_bound_by_a_minimal_api_is_read_with_a_length_chunked_and_pipelined(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var answered = await app.Client.PostAsJsonAsync("/item", new Item(41, "micro")); // HttpClient sends it chunked
        Assert.Equal(new Item(42, "micro"), await answered.Content.ReadFromJsonAsync<Item>());
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        const string json = """{"id":1,"name":"micro"}""";
        var one = $"POST /item HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {json.Length}\r\n\r\n{json}";
        await client.SendAsync(one + one.Replace("\"id\":1", "\"id\":2", StringComparison.Ordinal));
        Assert.Equal((200, """{"id":2,"name":"micro"}"""), await StatusAndBodyAsync(client));
        Assert.Equal((200, """{"id":3,"name":"micro"}"""), await StatusAndBodyAsync(client));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_reader_that_consumes_less_than_it_examined_gets_every_byte_once(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        // Lines short and long (one longer than the reader's first buffer), then a tail with no newline.
        var body = new StringBuilder();
        for (var i = 0; i < 3000; i++)
        {
            body.Append('x', i % 97).Append('\n');
        }
        body.Append('y', 10_000).Append('\n').Append("tail");
        var text = body.ToString();
        var expected = $"3001 {text.Length} 10000";
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(Chunked("/lines", text) + WithLength("/lines", text) + WithLength("/lines", "a\nbc\n"));
        Assert.Equal((200, expected), await StatusAndBodyAsync(client)); // streamed as it arrives
        Assert.Equal((200, expected), await StatusAndBodyAsync(client)); // longer than Micro buffers whole: streamed too
        Assert.Equal((200, "2 5 2"), await StatusAndBodyAsync(client)); // buffered whole, read in place on Micro
    }

    [Theory]
    [OnEveryServer]
    public async Task The_body_stream_goes_on_where_the_reader_stopped(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var body = string.Concat(Enumerable.Range(0, 2000).Select(i => (char)('a' + (i % 26))));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(Chunked("/mixed", body, chunk: 700) + WithLength("/mixed", body) + "GET /none HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((200, body[..10] + "|" + body[10..]), await StatusAndBodyAsync(client));
        Assert.Equal((200, body[..10] + "|" + body[10..]), await StatusAndBodyAsync(client));
        Assert.Equal((200, "True 0"), await StatusAndBodyAsync(client)); // no body: completed at once
    }

    [Theory]
    [OnEveryServer]
    public async Task A_reader_that_consumes_a_few_bytes_at_a_time_reads_the_body_in_order(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        const string body = "abcdefghijklmnopqrstuvwxyz0123456789";
        var expected = string.Join("", body.Chunk(7).Select(step => new string(step) + ","));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(WithLength("/steps", body) + Chunked("/steps", body, chunk: 10));
        Assert.Equal((200, expected), await StatusAndBodyAsync(client)); // in place on Micro
        Assert.Equal((200, expected), await StatusAndBodyAsync(client)); // streamed
    }

    [Theory]
    [OnEveryServer]
    public async Task A_body_read_through_the_reader_past_the_requests_limit_is_refused_with_413(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/limited", new ByteArrayContent(new byte[1001]))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/limited", new StreamContent(new MemoryStream(new byte[5000])))).StatusCode);
        Assert.Equal("1000", await (await app.Client.PostAsync("/limited", new StreamContent(new MemoryStream(new byte[1000])))).Content.ReadAsStringAsync());
        Assert.Equal("1000", await (await app.Client.PostAsync("/limited", new ByteArrayContent(new byte[1000]))).Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Over_a_replaced_body_the_reader_reads_the_replacement(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var body = new string('z', 100_000);
        Assert.Equal("100000 100000", await (await app.Client.PostAsync("/twice", new StringContent(body))).Content.ReadAsStringAsync());
        Assert.Equal("5 5", await (await app.Client.PostAsync("/twice", new StringContent("small"))).Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task CancelPendingRead_ends_a_read_waiting_for_the_client_as_canceled(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("POST /cancel HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        Assert.Equal((200, "canceled"), await StatusAndBodyAsync(client));
    }

    [Fact]
    public async Task A_reader_that_never_consumes_a_body_without_a_limit_is_stopped_with_a_clear_error()
    {
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, builder => builder.MapPost("/hoard", async (HttpContext context) =>
        {
            context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
            var reader = context.Request.BodyReader;
            try
            {
                while (true)
                {
                    var result = await reader.ReadAsync();
                    reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // looks at everything, takes nothing
                    if (result.IsCompleted)
                    {
                        return "read to the end";
                    }
                }
            }
            catch (InvalidOperationException exception)
            {
                return exception.Message;
            }
        }));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        var length = HttpRequestPipeReader.MostHeldWithoutLimit + 100_000;
        await client.SendAsync($"POST /hoard HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
        var sending = client.SendAsync(new byte[length]); // the rest of the body is read and dropped after the answer
        var (status, body) = await StatusAndBodyAsync(client);
        await sending;
        Assert.Equal(200, status);
        Assert.Contains($"holds {HttpRequestPipeReader.MostHeldWithoutLimit} bytes of the request body that it has not consumed", body, StringComparison.Ordinal);
        await app.AssertServesNewConnectionsAsync();
    }

    private static async Task<(int, string)> StatusAndBodyAsync(RawHttpClient client)
    {
        var (status, _, body) = await client.ReadResponseAsync();
        return (status, body);
    }
}
