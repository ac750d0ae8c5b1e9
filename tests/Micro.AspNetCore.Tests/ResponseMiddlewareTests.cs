using System.Net.Http.Headers;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// ASP.NET Core's middleware and results that take over the response (HTTP logging, response caching, server-sent
/// events, pushed streams, files with ranges, health checks), giving the same answers on every server. Several wrap or
/// replace the response body feature; server-sent events need each flush to leave at once.
/// </summary>
public sealed class ResponseMiddlewareTests
{
    [Theory]
    [OnEveryServer]
    public async Task Http_logging_records_request_and_response_with_their_bodies_cut_at_the_limit(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseHttpLogging();
            web.MapPost("/echo", async (HttpRequest request) => await new StreamReader(request.Body).ReadToEndAsync());
        }, configure: builder =>
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.Information);
            builder.Services.AddHttpLogging(options =>
            {
                options.LoggingFields = HttpLoggingFields.All;
                options.RequestBodyLogLimit = 16;
                options.ResponseBodyLogLimit = 16;
                options.CombineLogs = true;
            });
        });
        var body = "0123456789abcdefTHE-REST-NOT-LOGGED";
        var answer = await app.Client.PostAsync("/echo", new StringContent(body));
        Assert.Equal(body, await answer.Content.ReadAsStringAsync()); // the app got it all, the log a cut
        var entry = Assert.Single(app.Log.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal)).Message;
        Assert.Contains("Protocol: HTTP/1.1", entry);
        Assert.Contains("Method: POST", entry);
        Assert.Contains("Scheme: http", entry);
        Assert.Contains("Path: /echo", entry);
        Assert.Contains("StatusCode: 200", entry);
        Assert.Contains("RequestBody: 0123456789abcdef", entry);
        Assert.Contains("ResponseBody: 0123456789abcdef", entry);
        Assert.DoesNotContain("THE-REST", entry);
    }

    [Theory]
    [OnEveryServer]
    public async Task Response_caching_serves_a_cacheable_response_from_its_store(ServerKind server)
    {
        var calls = 0;
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseResponseCaching();
            web.MapGet("/cached", (HttpContext context) =>
            {
                context.Response.GetTypedHeaders().CacheControl = new() { Public = true, MaxAge = TimeSpan.FromHours(1) };
                return $"call {Interlocked.Increment(ref calls)}";
            });
        }, configure: builder => builder.Services.AddResponseCaching());
        Assert.Equal("call 1", await app.Client.GetStringAsync("/cached"));
        var again = await app.Client.GetAsync("/cached");
        Assert.Equal("call 1", await again.Content.ReadAsStringAsync());
        Assert.NotNull(again.Headers.Age);
        Assert.Equal(1, calls);
    }

    [Theory]
    [OnEveryServer]
    public async Task Server_sent_events_arrive_as_each_is_written_and_the_stream_ends_when_the_client_leaves(ServerKind server)
    {
        var secondMayGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
            web.MapGet("/events", (CancellationToken cancelled) => TypedResults.ServerSentEvents(Events(secondMayGo.Task, ended, cancelled), "tick")));
        using var response = await app.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var stream = await response.Content.ReadAsStreamAsync();
        // The first event is read while the app still waits to write the second: it was sent when written.
        Assert.Equal("event: tick\ndata: one\n\n", await ReadUntilAsync(stream, "\n\n"));
        secondMayGo.SetResult();
        Assert.Equal("event: tick\ndata: two\n\n", await ReadUntilAsync(stream, "\n\n"));
        // The app now waits without end; the client leaving must end it.
        response.Dispose();
        app.Client.Dispose();
        Assert.True(await ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_pushed_stream_of_many_writes_arrives_whole(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/push", () => Results.Stream(async body =>
        {
            var line = new byte[1000];
            for (var i = 0; i < 4000; i++)
            {
                line.AsSpan().Fill((byte)('a' + (i % 26)));
                await body.WriteAsync(line);
            }
        }, "application/octet-stream")));
        var bytes = await app.Client.GetByteArrayAsync("/push");
        Assert.Equal(4_000_000, bytes.Length);
        Assert.All(Enumerable.Range(0, 4000), i => Assert.Equal((byte)('a' + (i % 26)), bytes[(i * 1000) + 999]));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_file_result_answers_ranges_conditions_and_unsatisfiable_ranges(ServerKind server)
    {
        var path = Path.Combine(Path.GetTempPath(), $"micro-file-result-{Guid.NewGuid():N}.bin");
        var content = new byte[300_000];
        new Random(5).NextBytes(content);
        await File.WriteAllBytesAsync(path, content);
        try
        {
            var modified = DateTimeOffset.UtcNow.AddDays(-1);
            var tag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"v1\"");
            await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/file", () =>
                TypedResults.PhysicalFile(path, "application/octet-stream", lastModified: modified, entityTag: tag, enableRangeProcessing: true)));
            Assert.Equal(content, await app.Client.GetByteArrayAsync("/file"));

            var part = await app.Client.SendAsync(Get("/file", request => request.Headers.Range = new RangeHeaderValue(250_000, null)));
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal($"bytes 250000-299999/{content.Length}", part.Content.Headers.ContentRange!.ToString());
            Assert.Equal(content[250_000..], await part.Content.ReadAsByteArrayAsync());

            var suffix = await app.Client.SendAsync(Get("/file", request => request.Headers.Range = new RangeHeaderValue(null, 10)));
            Assert.Equal(content[^10..], await suffix.Content.ReadAsByteArrayAsync());

            var past = await app.Client.SendAsync(Get("/file", request => request.Headers.Range = new RangeHeaderValue(400_000, 400_010)));
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
            Assert.Equal($"bytes */{content.Length}", past.Content.Headers.ContentRange!.ToString());

            // If-Range with another validator: the whole file, not the range.
            var stale = await app.Client.SendAsync(Get("/file", request =>
            {
                request.Headers.Range = new RangeHeaderValue(0, 9);
                request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"v0\""));
            }));
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal(content.Length, (await stale.Content.ReadAsByteArrayAsync()).Length);

            var unchanged = await app.Client.SendAsync(Get("/file", request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v1\""))));
            Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
            Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task Health_checks_answer_by_their_state(ServerKind server)
    {
        var healthy = true;
        await using var app = await ServedApp.StartAsync(server, web => web.MapHealthChecks("/healthz"),
            configure: builder => builder.Services.AddHealthChecks().AddCheck("store", () => healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down")));
        var up = await app.Client.GetAsync("/healthz");
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (up.StatusCode, await up.Content.ReadAsStringAsync()));
        healthy = false;
        var down = await app.Client.GetAsync("/healthz");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), (down.StatusCode, await down.Content.ReadAsStringAsync()));
        Assert.Equal("no-cache, no-store", string.Join(", ", down.Headers.CacheControl!.ToString().Split(", ").Order()));
    }

    private static async IAsyncEnumerable<string> Events(Task secondMayGo, TaskCompletionSource<bool> ended,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancelled)
    {
        try
        {
            yield return "one";
            await secondMayGo;
            yield return "two";
            await Task.Delay(Timeout.Infinite, cancelled);
        }
        finally
        {
            ended.TrySetResult(cancelled.IsCancellationRequested);
        }
    }

    internal static async Task<string> ReadUntilAsync(Stream stream, string end)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!text.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, deadline.Token) == 0)
            {
                throw new IOException("the stream ended at: " + text);
            }
            text.Append((char)one[0]);
        }
        return text.ToString();
    }

    private static HttpRequestMessage Get(string path, Action<HttpRequestMessage> shape)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        shape(request);
        return request;
    }
}
