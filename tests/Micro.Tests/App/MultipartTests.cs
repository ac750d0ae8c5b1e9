using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Micro.Tests.App;

public sealed class MultipartTests
{
    private const string Boundary = "----MicroBoundary7MA4YWxkTrZu0gW";

    [Fact]
    public async Task Fields_and_files_are_read_part_by_part_with_their_names_types_and_bytes()
    {
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            var summary = new StringBuilder($"streamed={req.IsBodyStreamed};");
            await foreach (var part in req.Multipart())
            {
                if (part.IsFile)
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var sink = new HashingStream(hash);
                    var length = await part.CopyToAsync(sink);
                    summary.Append($"file {part.Name} '{part.FileName}' {part.ContentType} {length} {Convert.ToHexString(hash.GetHashAndReset())};");
                }
                else
                {
                    summary.Append($"field {part.Name}={await part.ReadTextAsync()};");
                }
            }
            res.Send(summary.ToString());
        });
        var big = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            using var form = new MultipartFormDataContent(Boundary)
            {
                { new StringContent("José"), "name" },
                { new StringContent("first line\r\nsecond line"), "comment" },
            };
            var file = new ByteArrayContent(big);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "photo", "holiday.bin");
            var small = new StringContent("a,b\n1,2\n");
            small.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(small, "table", "résumé.csv"); // sent as filename* (RFC 5987)

            var response = await client.PostAsync("/upload", form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(
                "streamed=True;field name=José;field comment=first line\r\nsecond line;" +
                $"file photo 'holiday.bin' application/octet-stream {big.Length} {Convert.ToHexString(SHA256.HashData(big))};" +
                $"file table 'résumé.csv' text/csv 8 {Convert.ToHexString(SHA256.HashData("a,b\n1,2\n"u8))};",
                await response.Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task A_streamed_body_a_middleware_read_from_is_not_given_as_whole_to_the_route()
    {
        var app = new MicroApp();
        app.Use(async (req, res, next) =>
        {
            await req.BodyStream.ReadAtLeastAsync(new byte[16], 1); // a middleware that peeks, and takes what it peeked
            await next.Invoke();
        });
        app.Post("/parts", async (req, res) => res.Send($"{await req.Multipart().ReadNextPartAsync() is not null}"));
        app.Post("/whole", async (req, res) => res.Send($"{(await req.ReadBodyAsync()).Length}"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            foreach (var path in new[] { "/parts", "/whole" })
            {
                using var form = new MultipartFormDataContent(Boundary) { { new StringContent("José"), "name" } };
                var response = await client.PostAsync(path, form);
                // The app's mistake: a 500 (its log names it), not a 400 for a body that looks cut short, nor the rest taken for the whole.
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            }
        });
    }

    [Fact]
    public async Task The_handler_reads_the_first_part_before_the_client_has_sent_the_rest()
    {
        var firstField = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            var reader = req.Multipart();
            var first = await reader.ReadNextPartAsync();
            firstField.SetResult(await first!.ReadTextAsync());
            var second = await reader.ReadNextPartAsync();
            var length = await second!.CopyToAsync(Stream.Null);
            res.Send($"{second.FileName} {length} {await reader.ReadNextPartAsync() is null}");
        });
        await TestApp.RunInMemoryAsync(app, async (_, host) =>
        {
            var head = Part("title", null, "holidays") + $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n";
            var tail = new string('x', 100_000) + $"\r\n--{Boundary}--\r\n";
            await using var client = await TestApp.ConnectAsync(host);
            await client.SendAsync(RequestHead("/upload", head.Length + tail.Length) + head);

            // The request is not complete, yet its handler has the first field: the body is streamed, not buffered.
            Assert.Equal("holidays", await firstField.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            await client.SendAsync(tail);
            var response = Assert.Single(await client.ReadResponsesAsync(1));
            Assert.Equal(200, response.Status);
            Assert.Equal("a.bin 100000 True", response.Body);
        });
    }

    [Fact]
    public async Task A_handler_that_answers_without_reading_the_upload_leaves_the_connection_usable()
    {
        var app = new MicroApp();
        app.Post("/upload", (req, res) => res.Status(202).Send("not read"));
        app.Get("/next", (req, res) => res.Send("next"));
        await TestApp.RunInMemoryAsync(app, async (_, host) =>
        {
            // Larger than the 64 KiB the server holds for a reader, so the server must read on and drop the rest.
            var body = Part("file", "big.bin", new string('y', 1_000_000)) + $"--{Boundary}--\r\n";
            await using var client = await TestApp.ConnectAsync(host);
            await client.SendAsync(RequestHead("/upload", body.Length) + body + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            var responses = await client.ReadResponsesAsync(2);
            Assert.Equal([202, 200], responses.Select(r => r.Status));
            Assert.Equal(["not read", "next"], responses.Select(r => r.Body));
        });
    }

    [Fact]
    public async Task A_chunked_upload_past_the_body_limit_gets_413_and_the_connection_closes()
    {
        var app = new MicroApp();
        app.ServerOptions.MaxRequestBodySize = 100_000;
        app.Post("/upload", async (req, res) =>
        {
            await foreach (var part in req.Multipart())
            {
                await part.CopyToAsync(Stream.Null);
            }
            res.Send("unreachable");
        });
        await TestApp.RunInMemoryAsync(app, async (_, host) =>
        {
            var body = Part("file", "big.bin", new string('z', 200_000)) + $"--{Boundary}--\r\n";
            await using var client = await TestApp.ConnectAsync(host);
            var chunks = new StringBuilder();
            for (var start = 0; start < body.Length; start += 8192)
            {
                var piece = body.Substring(start, Math.Min(8192, body.Length - start));
                chunks.Append($"{piece.Length:x}\r\n{piece}\r\n");
            }
            chunks.Append("0\r\n\r\n");
            await client.SendAsync(
                $"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={Boundary}\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
            var text = await client.ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 413 ", text);
            Assert.Contains("Connection: close", text);
            Assert.EndsWith("The request body is larger than the limit of 100000 bytes.", text);
        });
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=" + Boundary, "--wrong-boundary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--wrong-boundary--\r\n", 400, "malformed")]
    [InlineData("multipart/form-data; boundary=" + Boundary, "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nthe body ends inside this part", 400, "malformed")]
    [InlineData("multipart/form-data; boundary=" + Boundary, "--" + Boundary + "\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--" + Boundary + "--\r\n", 400, "Content-Disposition")]
    [InlineData("multipart/form-data; boundary=" + Boundary, "--" + Boundary + "\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--" + Boundary + "--\r\n", 400, "no name")]
    [InlineData("multipart/form-data", "--x\r\n", 400, "boundary")]
    [InlineData("application/json", "{}", 415, "multipart/form-data")]
    public async Task Bad_multipart_bodies_get_a_clear_4xx(string contentType, string body, int status, string reason)
    {
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            await foreach (var part in req.Multipart())
            {
                await part.ReadTextAsync();
            }
            res.Send("unreachable");
        });
        await TestApp.RunInMemoryAsync(app, async (_, host) =>
        {
            await using var client = await TestApp.ConnectAsync(host);
            await client.SendAsync($"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}GET /upload HTTP/1.1\r\nHost: x\r\n\r\n");
            var responses = await client.ReadResponsesAsync(2);
            Assert.Equal(status, responses[0].Status);
            Assert.Contains(reason, responses[0].Body);
            Assert.Equal(405, responses[1].Status); // the body was framed correctly, so the connection goes on
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_disconnects_mid_upload_fails_the_handlers_read_and_the_server_goes_on(bool reset)
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            try
            {
                await foreach (var part in req.Multipart())
                {
                    reading.TrySetResult();
                    await part.CopyToAsync(Stream.Null);
                }
                failure.SetException(new Xunit.Sdk.XunitException("the upload should not have completed"));
            }
            catch (Exception error)
            {
                failure.SetResult(error);
                throw;
            }
        });
        app.Get("/", (req, res) => res.Send("alive"));
        await TestApp.RunAsync(app, async (client, url) => // a socket: FIN and RST differ
        {
            var raw = await TestApp.ConnectAsync(url);
            var start = $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n";
            await raw.SendAsync(RequestHead("/upload", 1_000_000) + start + new string('q', 10_000));
            await reading.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (reset)
            {
                raw.Socket.LingerState = new LingerOption(true, 0); // close with RST: the server's read fails with ECONNRESET
            }
            await raw.DisposeAsync();

            var error = await failure.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (reset)
            {
                Assert.IsType<ConnectionResetException>(error);
            }
            else
            {
                var badRequest = Assert.IsType<BadHttpRequestException>(error);
                Assert.Equal(400, badRequest.StatusCode);
                Assert.Equal("The connection ended before the request body was complete.", badRequest.Message);
            }
            Assert.Equal("alive", await client.GetStringAsync("/"));
        });
    }

    [Fact]
    public async Task An_upload_that_trickles_below_the_minimum_rate_fails_the_read_with_408_and_closes()
    {
        var app = new MicroApp();
        app.ServerOptions.MinRequestBodyDataRateGracePeriod = TimeSpan.FromSeconds(1);
        app.ServerOptions.MinRequestBodyDataRate = 1000;
        app.Post("/upload", async (req, res) =>
        {
            await foreach (var part in req.Multipart())
            {
                await part.CopyToAsync(Stream.Null);
            }
            res.Send("unreachable");
        });
        await TestApp.RunInMemoryAsync(app, async (_, host) =>
        {
            await using var client = await TestApp.ConnectAsync(host);
            await client.SendAsync(RequestHead("/upload", 100_000) + Part("file", "slow.bin", "only a little"));
            var text = await client.ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 408 ", text);
            Assert.Contains("Connection: close", text);
            Assert.EndsWith("The request body arrived slower than the minimum data rate.", text);
        });
    }

    [Fact]
    public async Task Any_body_can_be_streamed_and_read_whole_later_while_reading_it_synchronously_names_the_problem()
    {
        var app = new MicroApp();
        app.ServerOptions.StreamRequestBody = (head, bytes) => true;
        app.Post("/json", async (req, res) =>
        {
            var message = Assert.Throws<InvalidOperationException>(() => req.Body).Message;
            var point = await req.JsonAsync<Point>();
            res.Send($"{req.IsBodyStreamed} {point!.X},{point.Y} {req.Body.Length} | {message}");
        });
        app.Post("/raw", async (req, res) =>
        {
            var body = await req.ReadBodyAsync();
            res.Send($"{body.Length} {Encoding.ASCII.GetString(body.Span[..5])}");
        });
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var json = await (await client.PostAsync("/json", new StringContent("{\"X\":3,\"Y\":4}", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync();
            Assert.StartsWith("False 3,4 13 | The request body is streamed while it arrives", json);
            var raw = await client.PostAsync("/raw", new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("hello" + new string('.', 300_000)))));
            Assert.Equal("300005 hello", await raw.Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task A_stream_predicate_that_throws_gets_a_500_and_the_server_goes_on()
    {
        var app = new MicroApp();
        app.ServerOptions.StreamRequestBody = (head, bytes) => throw new InvalidOperationException("predicate bug");
        app.Post("/upload", (req, res) => res.Send("unreachable"));
        app.Get("/", (req, res) => res.Send("alive"));
        await TestApp.RunInMemoryAsync(app, async (client, host) =>
        {
            await using var raw = await TestApp.ConnectAsync(host);
            await raw.SendAsync(RequestHead("/upload", 10) + "0123456789");
            var text = await raw.ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 500 ", text);
            Assert.Contains("Connection: close", text);
            Assert.Equal("alive", await client.GetStringAsync("/"));
        });
    }

    private sealed record Point(int X, int Y);

    private static string RequestHead(string path, int contentLength) =>
        $"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: {contentLength}\r\n\r\n";

    private static string Part(string name, string? fileName, string content) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{(fileName is null ? "" : $"; filename=\"{fileName}\"")}\r\n\r\n{content}\r\n";

    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);
    }
}
