using System.Buffers;
using System.IO.Compression;
using System.Net.Http.Headers;
using Micro.Compression;

namespace Micro.Tests.Features;

/// <summary>Response compression over real sockets, every body checked by decompressing it.</summary>
public sealed class CompressionTests
{
    private static readonly string Big = string.Join(",", Enumerable.Range(0, 6000).Select(i => $"\"item-{i}\""));

    private static MicroApp App(Action<CompressionOptions>? configure = null, TaskCompletionSource? firstChunkRead = null)
    {
        var app = new MicroApp().UseCompression(configure);
        app.Get("/json", (req, res) => res.Header("ETag", "\"v1\"").Header("Content-Type", "application/json").Send("[" + Big + "]"));
        app.Get("/small", (req, res) => res.Send("tiny"));
        app.Get("/png", (req, res) => res.Header("Content-Type", "image/png").Send(Encoding.ASCII.GetBytes(Big)));
        app.Get("/empty", (req, res) => res.Status(204).End());
        app.Get("/not-modified", (req, res) => res.Header("Content-Type", "text/plain").Status(304).End());
        app.Get("/object", (req, res) => res.Json(new { items = Enumerable.Range(0, 500).Select(i => $"item-{i}") }));
        app.Get("/writer", (req, res) =>
        {
            res.Header("Content-Type", "text/csv");
            var writer = res.BodyWriter;
            for (var i = 0; i < 500; i++)
            {
                writer.Write(Encoding.ASCII.GetBytes($"{i},row {i}\n"));
            }
        });
        app.Get("/stream", async (req, res) =>
        {
            res.Header("Content-Type", "text/plain");
            await res.WriteAsync(Encoding.ASCII.GetBytes("chunk-1;"));
            if (firstChunkRead is not null)
            {
                await firstChunkRead.Task; // the client decoded the first chunk before the second exists: it was flushed
            }
            await res.WriteAsync(Encoding.ASCII.GetBytes("chunk-2;" + Big));
        });
        return app;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? acceptEncoding, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<string> DecodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStreamAsync();
        Stream decoded = response.Content.Headers.ContentEncoding.SingleOrDefault() switch
        {
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            null => body,
            var other => throw new InvalidOperationException($"unexpected coding {other}"),
        };
        return await new StreamReader(decoded).ReadToEndAsync();
    }

    private static Task RunAsync(MicroApp app, Func<HttpClient, Task> test) =>
        TestApp.RunAsync(app, async (_, url) =>
        {
            using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = url };
            await test(client);
        });

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, deflate, br", "br")]            // Brotli preferred at equal quality
    [InlineData("gzip;q=1, br;q=0.5", "gzip")]         // the client's q-values decide
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("*", "br")]
    [InlineData("*;q=0.5, br;q=0", "gzip")]
    [InlineData("identity", null)]
    [InlineData("gzip;q=abc, br;q=2", null)]           // malformed weights: those items are ignored
    [InlineData(null, null)]
    public async Task The_coding_is_negotiated_and_the_body_decodes_to_the_original(string? acceptEncoding, string? coding)
    {
        await RunAsync(App(), async client =>
        {
            var response = await GetAsync(client, "/json", acceptEncoding);
            Assert.Equal(coding, response.Content.Headers.ContentEncoding.SingleOrDefault());
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            var length = response.Content.Headers.ContentLength;
            Assert.Equal("[" + Big + "]", await DecodeAsync(response));
            if (coding is not null)
            {
                Assert.True(length < Big.Length / 2, $"{length} bytes");
                Assert.Equal($"\"v1-{coding}\"", response.Headers.ETag!.ToString()); // an ETag of its own per coding
            }
            else
            {
                Assert.Equal("\"v1\"", response.Headers.ETag!.ToString());
            }
        });
    }

    [Fact]
    public async Task Small_bodies_and_compressed_types_go_as_they_are_unless_identity_is_refused()
    {
        await RunAsync(App(), async client =>
        {
            var small = await GetAsync(client, "/small", "gzip");
            Assert.Empty(small.Content.Headers.ContentEncoding);
            Assert.Contains("Accept-Encoding", small.Headers.Vary);
            var png = await GetAsync(client, "/png", "gzip, br");
            Assert.Empty(png.Content.Headers.ContentEncoding);
            Assert.DoesNotContain("Accept-Encoding", png.Headers.Vary);
            var refused = await GetAsync(client, "/small", "gzip, identity;q=0");
            Assert.Equal("gzip", refused.Content.Headers.ContentEncoding.Single());
            Assert.Equal("tiny", await DecodeAsync(refused));
            var empty = await GetAsync(client, "/empty", "gzip");
            Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
            Assert.Empty(empty.Content.Headers.ContentEncoding);
            var notModified = await GetAsync(client, "/not-modified", "gzip");
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(notModified.Content.Headers.ContentEncoding);
        });
    }

    [Theory]
    [InlineData("application/x-ndjson", true)]              // added in UseCompression's callback
    [InlineData("Application/JSON ; charset=utf-8", true)]  // any case, parameters and spaces around the type
    [InlineData("text/plain;charset=utf-8", true)]
    [InlineData("application/vnd.api+JSON", true)]          // any +json type
    [InlineData("application/atom+xml", true)]              // any +xml type
    [InlineData("application/json-seq", false)]             // a longer type that merely begins like a known one
    [InlineData("image/png", false)]
    [InlineData("application/x-late", false)]               // added after UseCompression returned: not seen
    public async Task A_response_is_compressed_by_its_media_type_matched_as_bytes(string contentType, bool compressed)
    {
        var options = (CompressionOptions?)null;
        var app = new MicroApp().UseCompression(o =>
        {
            o.MimeTypes.Add("application/x-ndjson");
            options = o;
        });
        options!.MimeTypes.Add("application/x-late");
        app.Get("/typed", (req, res) => res.Header("Content-Type", contentType).Send(Encoding.ASCII.GetBytes(Big)));
        await RunAsync(app, async client =>
        {
            var response = await GetAsync(client, "/typed", "gzip");
            Assert.Equal(compressed ? ["gzip"] : [], response.Content.Headers.ContentEncoding);
            Assert.Equal(compressed, response.Headers.Vary.Contains("Accept-Encoding"));
            Assert.Equal(Big, compressed ? await DecodeAsync(response) : await response.Content.ReadAsStringAsync());
            var identity = await GetAsync(client, "/typed", acceptEncoding: null);
            Assert.Empty(identity.Content.Headers.ContentEncoding);
            Assert.Equal(compressed, identity.Headers.Vary.Contains("Accept-Encoding")); // it would differ for another Accept-Encoding
        });
    }

    [Fact]
    public async Task Responses_of_changing_types_on_one_connection_are_each_judged_by_their_own_type()
    {
        // A connection's compression remembers the last type it judged: a different one must be judged afresh, and
        // a type too long to remember (over 64 bytes) every time.
        const string longType = "application/vnd.example.a-rather-long-vendor-media-type-name-for-this-test+json; charset=utf-8";
        var app = new MicroApp().UseCompression();
        app.Get("/json", (req, res) => res.Header("Content-Type", "application/json").Send(Encoding.ASCII.GetBytes(Big)));
        app.Get("/png", (req, res) => res.Header("Content-Type", "image/png").Send(Encoding.ASCII.GetBytes(Big)));
        app.Get("/long", (req, res) => res.Header("Content-Type", longType).Send(Encoding.ASCII.GetBytes(Big)));
        await RunAsync(app, async client =>
        {
            foreach (var (path, compressed) in new[] { ("/json", true), ("/png", false), ("/png", false), ("/json", true), ("/long", true), ("/png", false), ("/long", true), ("/json", true) })
            {
                var response = await GetAsync(client, path, "gzip");
                Assert.Equal(compressed ? ["gzip"] : [], response.Content.Headers.ContentEncoding);
                Assert.Equal(Big, compressed ? await DecodeAsync(response) : await response.Content.ReadAsStringAsync());
            }
        });
    }

    [Fact]
    public async Task Json_and_body_writer_responses_are_compressed_too()
    {
        await RunAsync(App(), async client =>
        {
            var json = await GetAsync(client, "/object", "gzip");
            Assert.Equal("gzip", json.Content.Headers.ContentEncoding.Single());
            Assert.StartsWith("{\"items\":[\"item-0\",", await DecodeAsync(json));
            var csv = await GetAsync(client, "/writer", "br");
            Assert.Equal("br", csv.Content.Headers.ContentEncoding.Single());
            Assert.EndsWith("499,row 499\n", await DecodeAsync(csv));
        });
    }

    [Fact]
    public async Task Head_has_the_headers_of_get_and_no_body()
    {
        await RunAsync(App(), async client =>
        {
            var get = await GetAsync(client, "/json", "gzip");
            var getLength = (await get.Content.ReadAsByteArrayAsync()).Length;
            var head = await GetAsync(client, "/json", "gzip", HttpMethod.Head);
            Assert.Equal("gzip", head.Content.Headers.ContentEncoding.Single());
            Assert.Equal(getLength, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        });
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task A_streamed_response_is_compressed_chunk_by_chunk_and_each_chunk_decodes_at_once(string coding)
    {
        var firstChunkRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await RunAsync(App(firstChunkRead: firstChunkRead), async client =>
        {
            var response = await GetAsync(client, "/stream", coding);
            Assert.Equal(coding, response.Content.Headers.ContentEncoding.Single());
            Assert.True(response.Headers.TransferEncodingChunked);
            var body = await response.Content.ReadAsStreamAsync();
            using var decoded = new StreamReader(coding == "br" ? new BrotliStream(body, CompressionMode.Decompress) : new GZipStream(body, CompressionMode.Decompress));
            var first = new char[8];
            Assert.Equal(8, await decoded.ReadBlockAsync(first));
            Assert.Equal("chunk-1;", new string(first));
            firstChunkRead.SetResult();
            Assert.Equal("chunk-2;" + Big, await decoded.ReadToEndAsync());
        });
    }

    [Fact]
    public async Task Static_files_send_a_precompressed_sibling_the_client_accepts_and_never_compress_on_the_fly()
    {
        var directory = Directory.CreateTempSubdirectory("micro-compression-");
        try
        {
            var script = "function hello() { return '" + Big + "'; }";
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "app.js"), script);
            await using (var br = new BrotliStream(File.Create(Path.Combine(directory.FullName, "app.js.br")), CompressionLevel.SmallestSize))
            {
                await br.WriteAsync(Encoding.UTF8.GetBytes(script));
            }
            await using (var gz = new GZipStream(File.Create(Path.Combine(directory.FullName, "app.js.gz")), CompressionLevel.SmallestSize))
            {
                await gz.WriteAsync(Encoding.UTF8.GetBytes(script));
            }
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "site.css"), "body { color: red; }" + new string(' ', 5000));
            var app = new MicroApp().UseCompression();
            app.Static("/assets", directory.FullName);
            await RunAsync(app, async client =>
            {
                var etags = new HashSet<string>();
                foreach (var (accept, coding) in new[] { ("br, gzip", "br"), ("gzip", "gzip"), ("deflate", (string?)null) })
                {
                    var response = await GetAsync(client, "/assets/app.js", accept);
                    Assert.Equal(coding, response.Content.Headers.ContentEncoding.SingleOrDefault());
                    Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
                    Assert.Contains("Accept-Encoding", response.Headers.Vary);
                    Assert.True(etags.Add(response.Headers.ETag!.Tag));
                    Assert.Equal(script, await DecodeAsync(response));
                }
                var css = await GetAsync(client, "/assets/site.css", "gzip");
                Assert.Empty(css.Content.Headers.ContentEncoding); // no sibling: sent as it is, with sendfile
                Assert.Equal(5020, (await css.Content.ReadAsByteArrayAsync()).Length);
                var range = new HttpRequestMessage(HttpMethod.Get, "/assets/app.js");
                range.Headers.TryAddWithoutValidation("Accept-Encoding", "br");
                range.Headers.Range = new RangeHeaderValue(0, 9);
                var partial = await client.SendAsync(range);
                Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);   // a range of the encoded file
                Assert.Equal((await File.ReadAllBytesAsync(Path.Combine(directory.FullName, "app.js.br")))[..10], await partial.Content.ReadAsByteArrayAsync());
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Without_accept_encoding_each_compressible_response_says_vary_once_whatever_answers_it()
    {
        // Nothing is compressed for such a request; its response owes Vary when its type is compressible, decided as
        // its head is written: by a route at once or later, a stream, a file that has a precompressed sibling, an
        // answer a middleware before the route gives after it. Once each, never twice (the stream's filter and the file's
        // sibling check see it too); never on a type that is not compressed, nor on the server's own 500.
        var directory = Directory.CreateTempSubdirectory("micro-compression-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "app.js"), "let x = 1;");
            await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "app.js.gz"), [1, 2, 3]);
            var app = new MicroApp();
            app.Use(async (req, res, next) =>
            {
                await next.Invoke();
                if (!res.HasStarted && req.Path == "/fallback")
                {
                    res.Header("Content-Type", "text/html").Send("<p>answered after the route</p>");
                }
            });
            app.UseCompression();
            app.Get("/fallback", (req, res) => { });
            app.Get("/json", (req, res) => res.Header("Content-Type", "application/json").Send("[" + Big + "]"));
            app.Get("/small", (req, res) => res.Send("tiny"));
            app.Get("/png", (req, res) => res.Header("Content-Type", "image/png").Send(Encoding.ASCII.GetBytes(Big)));
            app.Get("/empty", (req, res) => res.Status(204).End());
            app.Get("/stream", async (req, res) =>
            {
                res.Header("Content-Type", "text/plain");
                await res.WriteAsync(Encoding.ASCII.GetBytes("chunk-1;"));
                await res.WriteAsync(Encoding.ASCII.GetBytes("chunk-2;"));
            });
            app.Get("/later", async (req, res) =>
            {
                await Task.Yield();
                res.Json(new { later = true });
            });
            app.Get("/throws", (req, res) => throw new InvalidOperationException("the route failed"));
            app.Static("/assets", directory.FullName);
            var paths = new[] { "/json", "/stream", "/later", "/assets/app.js", "/fallback", "/png", "/empty", "/throws", "/small" };
            var expected = new[] { 1, 1, 1, 1, 1, 0, 0, 0, 1 };
            await TestApp.RunAsync(app, async (_, url) =>
            {
                await using var client = await TestApp.ConnectAsync(url);
                await client.SendAsync(string.Concat(paths.Select((path, i) =>
                    $"GET {path} HTTP/1.1\r\nHost: x\r\n{(i == paths.Length - 1 ? "Connection: close\r\n" : "")}\r\n")));
                var heads = (await client.ReadToEndAsync()).Split("HTTP/1.1 ").Skip(1).Select(response => response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)]).ToArray();
                Assert.Equal(paths.Length, heads.Length);
                for (var i = 0; i < paths.Length; i++)
                {
                    Assert.True(expected[i] == heads[i].Split("\r\nVary: Accept-Encoding").Length - 1, $"{paths[i]}: {heads[i]}");
                    Assert.DoesNotContain("Content-Encoding", heads[i]);
                }
                Assert.StartsWith("500", heads[7]);
                // A route that threw under the hook leaves the server serving new connections, their responses as owed.
                for (var i = 0; i < 4; i++)
                {
                    await using var next = await TestApp.ConnectAsync(url);
                    await next.SendAsync("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    var answer = await next.ReadToEndAsync();
                    Assert.StartsWith("HTTP/1.1 200", answer);
                    Assert.Contains("\r\nVary: Accept-Encoding\r\n", answer);
                }
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_route_that_throws_leaves_the_connections_next_responses_as_they_should_be()
    {
        // A route that throws before it answers, with and without Accept-Encoding: the 500 goes out, and the requests
        // after it on the same connection (HttpClient keeps it) are compressed or not as they ask, with Vary, and a
        // stream that follows an identity request that threw is sent as it is.
        var app = App();
        app.Get("/throws", (req, res) => throw new InvalidOperationException("the route failed"));
        await RunAsync(app, async client =>
        {
            foreach (var accept in new[] { null, "gzip", null, "br" })
            {
                Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync(client, "/throws", accept)).StatusCode);
                var plain = await GetAsync(client, "/stream", null);
                Assert.Empty(plain.Content.Headers.ContentEncoding);
                Assert.Contains("Accept-Encoding", plain.Headers.Vary);
                Assert.Equal("chunk-1;chunk-2;" + Big, await DecodeAsync(plain));
                var compressed = await GetAsync(client, "/json", "gzip");
                Assert.Equal("gzip", compressed.Content.Headers.ContentEncoding.Single());
                Assert.Equal("[" + Big + "]", await DecodeAsync(compressed));
                var small = await GetAsync(client, "/small", null);
                Assert.Contains("Accept-Encoding", small.Headers.Vary);
                Assert.Equal("tiny", await small.Content.ReadAsStringAsync());
            }
        });
    }

    [Fact]
    public async Task A_route_that_throws_under_a_routers_compression_leaves_no_filter_for_the_apps_own_routes()
    {
        // Compression on a router only: a request without Accept-Encoding whose route throws there, then, on the same
        // connection, a stream from a route outside the router, which no filter may touch (no Vary, not compressed).
        var api = new Router().UseCompression();
        api.Get("/throws", (req, res) => throw new InvalidOperationException("the route failed"));
        var app = new MicroApp();
        app.Use("/api", api);
        app.Get("/stream", async (req, res) =>
        {
            res.Header("Content-Type", "text/plain");
            await res.WriteAsync(Encoding.ASCII.GetBytes("chunk-1;"));
            await res.WriteAsync(Encoding.ASCII.GetBytes("chunk-2;" + Big));
        });
        await RunAsync(app, async client =>
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.InternalServerError, (await GetAsync(client, "/api/throws", null)).StatusCode);
                var stream = await GetAsync(client, "/stream", "gzip");
                Assert.Empty(stream.Content.Headers.ContentEncoding);
                Assert.Empty(stream.Headers.Vary);
                Assert.Equal("chunk-1;chunk-2;" + Big, await DecodeAsync(stream));
            }
        });
    }
}
