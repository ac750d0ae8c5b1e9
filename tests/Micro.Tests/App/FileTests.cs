using System.Security.Cryptography;

namespace Micro.Tests.App;

public sealed class FileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("micro-files-").FullName;
    private readonly byte[] _big = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 123);

    public FileTests()
    {
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "Hello, file!");
        File.WriteAllText(Path.Combine(_root, "index.html"), "<h1>home</h1>");
        File.WriteAllBytes(Path.Combine(_root, "big.bin"), _big);
        Directory.CreateDirectory(Path.Combine(_root, "docs"));
        File.WriteAllText(Path.Combine(_root, "docs", "index.html"), "<h1>docs</h1>");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_root)!, Path.GetFileName(_root) + "-secret.txt"), "secret");
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        File.Delete(Path.Combine(Path.GetDirectoryName(_root)!, Path.GetFileName(_root) + "-secret.txt"));
    }

    private static Task With(Action<MicroApp> configure, Func<HttpClient, Uri, Task> test)
    {
        var app = new MicroApp();
        configure(app);
        return TestApp.RunAsync(app, test);
    }

    [Fact]
    public async Task A_file_is_sent_whole_with_its_type_and_validators()
    {
        await With(app => app.Get("/file", (req, res) => res.SendFile(Path.Combine(_root, "hello.txt"))), async (client, _) =>
        {
            var response = await client.GetAsync("/file");
            Assert.Equal("Hello, file!", await response.Content.ReadAsStringAsync());
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
            Assert.NotNull(response.Headers.ETag);
            Assert.NotNull(response.Content.Headers.LastModified);
            Assert.Equal("bytes", response.Headers.AcceptRanges.Single());

            var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/file"));
            Assert.Equal(12, head.Content.Headers.ContentLength);
        });
    }

    [Fact]
    public async Task A_large_file_arrives_intact_through_sendfile()
    {
        await With(app => app.Get("/big", (req, res) => res.SendFile(Path.Combine(_root, "big.bin"))), async (client, _) =>
        {
            Assert.Equal(_big, await client.GetByteArrayAsync("/big"));
        });
    }

    [Fact]
    public async Task Conditional_requests_get_304_and_ranges_206_or_416()
    {
        await With(app => app.Get("/file", (req, res) => res.SendFile(Path.Combine(_root, "hello.txt"))), async (client, _) =>
        {
            var first = await client.GetAsync("/file");
            var etag = first.Headers.ETag!;

            var byTag = new HttpRequestMessage(HttpMethod.Get, "/file");
            byTag.Headers.IfNoneMatch.Add(etag);
            var notModified = await client.SendAsync(byTag);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal("", await notModified.Content.ReadAsStringAsync());

            var byDate = new HttpRequestMessage(HttpMethod.Get, "/file");
            byDate.Headers.IfModifiedSince = first.Content.Headers.LastModified;
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(byDate)).StatusCode);

            async Task<(HttpStatusCode, string, string?)> Range(string range)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/file");
                request.Headers.TryAddWithoutValidation("Range", range);
                var response = await client.SendAsync(request);
                return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentRange?.ToString());
            }
            Assert.Equal((HttpStatusCode.PartialContent, "Hello", "bytes 0-4/12"), await Range("bytes=0-4"));
            Assert.Equal((HttpStatusCode.PartialContent, "file!", "bytes 7-11/12"), await Range("bytes=-5"));
            Assert.Equal((HttpStatusCode.PartialContent, "file!", "bytes 7-11/12"), await Range("bytes=7-"));
            Assert.Equal((HttpStatusCode.PartialContent, "file!", "bytes 7-11/12"), await Range("bytes=7-100"));
            Assert.Equal((HttpStatusCode.RequestedRangeNotSatisfiable, "", "bytes */12"), await Range("bytes=12-"));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!", null), await Range("bytes=0-1,3-4"));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!", null), await Range("lines=1-2"));
        });
    }

    [Fact]
    public async Task Preconditions_that_fail_get_412_and_a_head_ignores_ranges()
    {
        await With(app => app.Get("/file", (req, res) => res.SendFile(Path.Combine(_root, "hello.txt"))), async (client, _) =>
        {
            var first = await client.GetAsync("/file");
            var etag = first.Headers.ETag!.ToString();
            var modified = first.Content.Headers.LastModified!.Value;

            async Task<(HttpStatusCode, string)> Get(HttpMethod method, params (string Name, string Value)[] headers)
            {
                var request = new HttpRequestMessage(method, "/file");
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
                var response = await client.SendAsync(request);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            string Date(DateTimeOffset date) => date.ToString("r", System.Globalization.CultureInfo.InvariantCulture);

            // RFC 9110 section 13.1.1: If-Match compares strongly, and a weak tag matches nothing but "*".
            Assert.Equal((HttpStatusCode.PreconditionFailed, ""), await Get(HttpMethod.Get, ("If-Match", "\"other\"")));
            Assert.Equal((HttpStatusCode.PreconditionFailed, ""), await Get(HttpMethod.Get, ("If-Match", etag)));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!"), await Get(HttpMethod.Get, ("If-Match", "*")));
            // Section 13.1.4: If-Unmodified-Since, unless If-Match is there; a date that is no date is ignored.
            Assert.Equal((HttpStatusCode.PreconditionFailed, ""), await Get(HttpMethod.Get, ("If-Unmodified-Since", Date(modified.AddDays(-1)))));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!"), await Get(HttpMethod.Get, ("If-Unmodified-Since", Date(modified))));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!"), await Get(HttpMethod.Get, ("If-Unmodified-Since", "yesterday")));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!"), await Get(HttpMethod.Get, ("If-Match", "*"), ("If-Unmodified-Since", Date(modified.AddDays(-1)))));
            // If-Modified-Since: 304 for the file's date or later, not for a date past the server's clock (no copy is
            // from the future: RFC 2616 section 14.25's rule, which ASP.NET Core's static files and nginx keep).
            Assert.Equal(HttpStatusCode.NotModified, (await Get(HttpMethod.Get, ("If-Modified-Since", Date(modified)))).Item1);
            Assert.Equal((HttpStatusCode.OK, "Hello, file!"), await Get(HttpMethod.Get, ("If-Modified-Since", Date(modified.AddDays(-1)))));
            Assert.Equal((HttpStatusCode.OK, "Hello, file!"), await Get(HttpMethod.Get, ("If-Modified-Since", Date(DateTimeOffset.UtcNow.AddYears(1)))));
            // Section 13.2.2's order: a failed If-Match answers 412 before a matching If-None-Match could answer 304.
            Assert.Equal((HttpStatusCode.PreconditionFailed, ""), await Get(HttpMethod.Get, ("If-Match", "\"other\""), ("If-None-Match", etag)));
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await Get(HttpMethod.Head, ("If-Match", "\"other\""))).Item1);

            // Section 14.2: GET is the one method a range applies to; a HEAD describes the whole file.
            var head = new HttpRequestMessage(HttpMethod.Head, "/file");
            head.Headers.TryAddWithoutValidation("Range", "bytes=0-4");
            var headResponse = await client.SendAsync(head);
            Assert.Equal((HttpStatusCode.OK, 12L, null), (headResponse.StatusCode, headResponse.Content.Headers.ContentLength, headResponse.Content.Headers.ContentRange));
        });
    }

    [Fact]
    public async Task Static_serves_files_and_indexes_and_refuses_every_escape()
    {
        await With(app => app.Static("/assets", _root), async (_, url) =>
        {
            var secret = Path.GetFileName(_root) + "-secret.txt";
            using var client = new HttpClient { BaseAddress = url };
            Assert.Equal("Hello, file!", await client.GetStringAsync("/assets/hello.txt"));
            Assert.Equal("<h1>home</h1>", await client.GetStringAsync("/assets"));
            Assert.Equal("<h1>docs</h1>", await client.GetStringAsync("/assets/docs/"));
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/assets/missing.txt")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/assets/hello.txt/")).StatusCode); // a file is no directory
            // HttpClient would normalise "..", so these go out raw.
            foreach (var escape in new[] { $"/assets/../{secret}", $"/assets/%2e%2e/{secret}", $"/assets/..%2f{secret}", $"/assets/docs/%2E%2E/%2E%2E/{secret}", "/assets/%00" })
            {
                await using var raw = await TestApp.ConnectAsync(url);
                await raw.SendAsync($"GET {escape} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                var text = await raw.ReadToEndAsync();
                Assert.True(text.StartsWith("HTTP/1.1 404") || text.StartsWith("HTTP/1.1 400"), $"{escape}: {text[..Math.Min(60, text.Length)]}");
                Assert.DoesNotContain("secret", text[text.IndexOf("\r\n\r\n", StringComparison.Ordinal)..]);
            }
        });
    }

    [Fact]
    public async Task File_responses_keep_their_place_in_a_pipeline()
    {
        await With(app =>
        {
            app.Get("/slow", async (req, res) =>
            {
                await Task.Delay(30);
                res.Send("slow");
            });
            app.Get("/file", (req, res) => res.SendFile(Path.Combine(_root, "hello.txt")));
            app.Get("/text", (req, res) => res.Send("text"));
        }, async (_, url) =>
        {
            await using var raw = await TestApp.ConnectAsync(url);
            await raw.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /file HTTP/1.1\r\nHost: x\r\n\r\nGET /text HTTP/1.1\r\nHost: x\r\n\r\nGET /file HTTP/1.1\r\nHost: x\r\n\r\n");
            var responses = await raw.ReadResponsesAsync(4);
            Assert.Equal(["slow", "Hello, file!", "text", "Hello, file!"], responses.Select(r => r.Body));
        });
    }
}
