using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// More cases for <see cref="SameAnswersTests"/>: the response as the app shapes it at its edges (cleared, aborted,
/// written after completion, shorter than its Content-Length, a status with no registered phrase, many
/// headers, an empty write, sent from a file in part or by range, cut after a flush), and requests at theirs (chunk
/// sizes with leading zeros, Host lines missing, empty, repeated or with a bad port, obs-fold, bad field names, other
/// HTTP versions, a Content-Length list or past any size, a multipart form, a body left half-read in a pipeline).
/// </summary>
public sealed partial class SameAnswersTests
{
    private static readonly Case[] EdgeCases =
    [
        new("GET /edge/clear HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/abort HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/write-after-complete HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/too-short HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/many-headers HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/empty-write HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/many-writes HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/file-part HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/two-file-parts HTTP/1.1\r\nHost: x\r\n\r\nGET /edge/file-part HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 2),
        new("GET /edge/file-then-text HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/declared-file-then-text HTTP/1.1\r\nHost: x\r\n\r\nGET /edge/file-part HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 2),
        new("GET /edge/file HTTP/1.1\r\nHost: x\r\nRange: bytes=2-5\r\n\r\n"),
        new("GET /edge/file HTTP/1.1\r\nHost: x\r\nRange: bytes=100-200\r\n\r\n"),
        new("GET /edge/flush-then-throw HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/length-unset HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/status-pages HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/unbuffered HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /edge/no-body HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("POST /edge/length HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n000A\r\n0123456789\r\n00\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: \r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: x:abc\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n"),
        new("GET /edge/length HTTP/1.2\r\nHost: x\r\n\r\n"),
        new("GET /edge/length HTTP/2.0\r\nHost: x\r\n\r\n"),
        new("GET /edge/length HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\nz"),
        new("GET /edge/length HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"),
        new("POST /edge/length HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        new("POST /edge/half-read HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /edge/length HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 2),
        new($"POST /edge/multipart HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: {MultipartBody.Length}\r\n\r\n{MultipartBody}"),
    ];

    private const string MultipartBody =
        "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\n\r\nhello\r\n--XX--\r\n";

    /// <summary>The file the file cases send: written once, the same ten bytes for every server.</summary>
    private static readonly Lazy<string> EdgeFile = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"micro-same-answers-{Environment.ProcessId}.txt");
        File.WriteAllText(path, "0123456789");
        return path;
    });

    private static void MapEdges(WebApplication web)
    {
        web.UseStatusCodePages();
        web.MapGet("/edge/clear", async (HttpResponse response) =>
        {
            response.Headers["X-Gone"] = "1";
            await response.WriteAsync("first");
            response.Clear();
            response.StatusCode = 202;
            await response.WriteAsync("second");
        });
        web.MapGet("/edge/abort", (HttpContext context) => context.Abort());
        web.MapGet("/edge/write-after-complete", async (HttpResponse response) =>
        {
            await response.WriteAsync("a");
            await response.CompleteAsync();
            await Assert.ThrowsAsync<InvalidOperationException>(() => response.WriteAsync("b"));
        });
        web.MapGet("/edge/too-short", async (HttpResponse response) =>
        {
            response.ContentLength = 50;
            await response.WriteAsync("0123456789");
        });
        web.MapGet("/edge/many-headers", (HttpResponse response) =>
        {
            for (var i = 0; i < 500; i++)
            {
                response.Headers[$"X-H{i}"] = "v";
            }
            return response.Headers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        web.MapGet("/edge/empty-write", async (HttpResponse response) =>
        {
            await response.Body.WriteAsync(ReadOnlyMemory<byte>.Empty);
            await response.BodyWriter.FlushAsync();
            await response.CompleteAsync();
        });
        web.MapGet("/edge/many-writes", async (HttpResponse response) =>
        {
            for (var i = 0; i < 100; i++)
            {
                await response.WriteAsync(new string((char)('a' + i % 26), 1000));
            }
        });
        web.MapGet("/edge/file-part", (HttpResponse response) => response.SendFileAsync(EdgeFile.Value, 2, 3));
        web.MapGet("/edge/two-file-parts", async (HttpResponse response) =>
        {
            await response.SendFileAsync(EdgeFile.Value, 2, 3);
            await response.SendFileAsync(EdgeFile.Value, 8, null);
        });
        web.MapGet("/edge/file-then-text", async (HttpResponse response) =>
        {
            await response.SendFileAsync(EdgeFile.Value);
            await response.WriteAsync(" and a footer");
        });
        web.MapGet("/edge/declared-file-then-text", async (HttpResponse response) =>
        {
            response.ContentLength = 3;
            await response.SendFileAsync(EdgeFile.Value, 2, 3);
            await response.WriteAsync("!"); // past the length the app declared: thrown here
        });
        web.MapGet("/edge/file", () => Results.File(EdgeFile.Value, "text/plain", enableRangeProcessing: true));
        web.MapGet("/edge/flush-then-throw", async (HttpResponse response) =>
        {
            await response.WriteAsync("partial");
            await response.Body.FlushAsync();
            throw new InvalidOperationException("after the flush");
        });
        web.MapGet("/edge/length-unset", async (HttpResponse response) =>
        {
            response.ContentLength = 3;
            response.ContentLength = null;
            await response.WriteAsync("hello");
        });
        web.MapGet("/edge/status-pages", (HttpResponse response) => response.StatusCode = 404);
        web.MapGet("/edge/unbuffered", async (HttpContext context) =>
        {
            context.Features.Get<IHttpResponseBodyFeature>()!.DisableBuffering();
            await context.Response.WriteAsync("unbuffered");
        });
        web.MapGet("/edge/no-body", async (HttpRequest request) => $"read={await request.Body.ReadAsync(new byte[10])} length={request.ContentLength}");
        web.Map("/edge/length", async (HttpRequest request) =>
            $"host=[{request.Host}] read={(await new StreamReader(request.Body).ReadToEndAsync()).Length} length={request.ContentLength} fold=[{request.Headers["X-Fold"]}] protocol={request.Protocol}");
        web.MapPost("/edge/half-read", async (HttpRequest request) => $"read {await request.Body.ReadAsync(new byte[3])}");
        web.MapPost("/edge/multipart", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            return $"a={form["a"]} files={form.Files.Count} name={form.Files[0].FileName} length={form.Files[0].Length}";
        });
    }
}
