using System.IO.Compression;

namespace Micro.AspNetCore.Tests.InMicroApps;

/// <summary>
/// What ASP.NET Core middleware in front of a Micro route does to the request body reaches the route, as it would
/// reach the next middleware on ASP.NET Core: a stream it put in the body's place (decompressing it; buffering it to
/// log it, then rewinding it) is what the route reads. A body it read to its end is gone, as on ASP.NET Core; the
/// route that wants it whole is told so (a 500 naming it), never a 400 that blames the client for a body cut short.
/// </summary>
public sealed class RequestBodyHandOverTests
{
    private static readonly List<string> s_logged = [];

    /// <summary>The request logger everyone writes: buffer the body, read it, rewind it for what follows.</summary>
    private static async Task LogBody(HttpContext context, RequestDelegate next)
    {
        context.Request.EnableBuffering();
        var text = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        context.Request.Body.Position = 0;
        lock (s_logged)
        {
            s_logged.Add(text);
        }
        await next(context);
    }

    private static async Task ReadForm(HttpContext context, RequestDelegate next)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        context.Items["fields"] = form.Count + form.Files.Count;
        await next(context);
    }

    private static async Task ReadParts(Request req, Response res)
    {
        var parts = new List<string>();
        await foreach (var part in req.Multipart())
        {
            parts.Add($"{part.Name}={await part.ReadTextAsync()}");
        }
        res.Send(string.Join(",", parts));
    }

    [Fact]
    public async Task A_body_a_middleware_buffered_read_and_rewound_reaches_the_route_whole_streamed_or_not()
    {
        await using var served = ServedMicroApp.Start(_ => { }, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use(LogBody));
            app.Post("/upload", ReadParts); // multipart: streamed to the route as it arrives
            app.Post("/notes", (req, res) => res.Send(req.Json<Dictionary<string, string>>()!["title"])); // read whole before the route
        });
        using var form = new MultipartFormDataContent { { new StringContent("hello"), "greeting" }, { new StringContent(new string('x', 50_000)), "file", "a.txt" } };
        var upload = await served.Client.PostAsync("/upload", form);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal("greeting=hello,file=" + new string('x', 50_000), await upload.Content.ReadAsStringAsync());

        var note = await served.Client.PostAsync("/notes", new StringContent("""{"title":"milk"}""", Encoding.UTF8, "application/json"));
        Assert.Equal("milk", await note.Content.ReadAsStringAsync());
        lock (s_logged)
        {
            Assert.Contains(s_logged, text => text.Contains("name=greeting", StringComparison.Ordinal) && text.Contains(new string('x', 50_000), StringComparison.Ordinal));
            Assert.Contains("""{"title":"milk"}""", s_logged);
        }
    }

    private static ByteArrayContent Gzipped(string json)
    {
        var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }
        var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    [Fact]
    public async Task A_body_ASP_NET_Cores_request_decompression_unpacks_is_what_the_route_reads_up_to_the_apps_limit()
    {
        await using var served = ServedMicroApp.Start(services => services.AddRequestDecompression(), app =>
        {
            app.ServerOptions.MaxRequestBodySize = 64 * 1024;
            app.UseAspNetCore(pipeline => pipeline.UseRequestDecompression());
            app.Post("/notes", (req, res) => res.Send(req.Json<Dictionary<string, string>>()!["title"]));
        });
        var note = await served.Client.PostAsync("/notes", Gzipped("""{"title":"unpacked"}"""));
        Assert.Equal(HttpStatusCode.OK, note.StatusCode);
        Assert.Equal("unpacked", await note.Content.ReadAsStringAsync());

        // A few kilobytes that unpack past the limit: refused as too large, not read into memory whole.
        var bomb = await served.Client.PostAsync("/notes", Gzipped("""{"title":" """ + new string(' ', 4 * 1024 * 1024) + "\"}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bomb.StatusCode);
        Assert.Equal("unpacked", await (await served.Client.PostAsync("/notes", Gzipped("""{"title":"unpacked"}"""))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_route_that_wants_a_body_a_middleware_read_to_its_end_is_told_so_and_the_form_it_read_is_there()
    {
        await using var served = ServedMicroApp.Start(_ => { }, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use(ReadForm));
            app.Post("/parts", ReadParts);
            app.Post("/form", (req, res) => res.Send($"{req.HttpContext.Items["fields"]} {req.HttpContext.Request.Form["greeting"]}"));
        });
        using var form = new MultipartFormDataContent { { new StringContent("hello"), "greeting" }, { new ByteArrayContent(new byte[100]), "file", "a.bin" } };
        var parts = await served.Client.PostAsync("/parts", form);
        Assert.Equal(HttpStatusCode.InternalServerError, parts.StatusCode); // the app's mistake, not a malformed body (400)
        Assert.Contains(served.Logs.Entries, entry => $"{entry.Message} {entry.Exception?.Message}".Contains("req.Multipart() wants the whole request body, but it was read from before", StringComparison.Ordinal));

        var read = await served.Client.PostAsync("/form", form);
        Assert.Equal("2 hello", await read.Content.ReadAsStringAsync());
    }
}
