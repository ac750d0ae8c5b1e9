using static Micro.Metadata.RouteMetadata;

namespace Micro.Tests.App;

/// <summary>
/// Issue 23: a route or a router takes a body limit of its own (an upload route more than the API, a webhook less),
/// enforced before the body is read and answered 413 naming the limit; a file part saved with a maximum length.
/// </summary>
public sealed class BodyLimitTests
{
    private static MicroApp LimitedApp()
    {
        var app = new MicroApp();
        app.ServerOptions.MaxRequestBodySize = 1000;
        app.Post("/upload", MaxBodySize(100_000), (req, res) => res.Send(req.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.Post("/default", (req, res) => res.Send(req.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var hooks = new Router();
        hooks.Use(MaxBodySize(10));
        hooks.Post("/ping", (req, res) => res.Send(req.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.Use("/hooks", hooks);
        return app;
    }

    [Fact]
    public async Task A_routes_own_limit_replaces_the_servers_for_it_alone()
    {
        await TestApp.RunAsync(LimitedApp(), async (client, _) =>
        {
            Assert.Equal("50000", await (await client.PostAsync("/upload", new ByteArrayContent(new byte[50_000]))).Content.ReadAsStringAsync());
            var tooLarge = await client.PostAsync("/default", new ByteArrayContent(new byte[5000]));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Equal("The request body is larger than the limit of 1000 bytes.", await tooLarge.Content.ReadAsStringAsync());
            var hook = await client.PostAsync("/hooks/ping", new ByteArrayContent(new byte[100]));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, hook.StatusCode);
            Assert.Equal("The request body is larger than the limit of 10 bytes.", await hook.Content.ReadAsStringAsync());
            Assert.Equal("5", await (await client.PostAsync("/hooks/ping", new ByteArrayContent(new byte[5]))).Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task A_chunked_body_past_its_routes_limit_is_refused_as_it_arrives()
    {
        await TestApp.RunAsync(LimitedApp(), async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            var chunk = new string('x', 64);
            await client.SendAsync($"POST /hooks/ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{chunk}\r\n0\r\n\r\n");
            var answer = Assert.Single(await client.ReadResponsesAsync(1));
            Assert.Equal(413, answer.Status);
            await using var upload = await TestApp.ConnectAsync(url);
            await upload.SendAsync($"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n{new string('y', 2048)}\r\n0\r\n\r\n");
            Assert.Equal("2048", Assert.Single(await upload.ReadResponsesAsync(1)).Body); // past the server's 1000, within the route's
        });
    }

    [Fact]
    public async Task A_file_part_saved_with_a_maximum_length_is_refused_past_it_and_leaves_no_file()
    {
        var directory = Directory.CreateTempSubdirectory("micro-save-").FullName;
        try
        {
            var app = new MicroApp();
            app.Post("/avatar", async (req, res) =>
            {
                await foreach (var part in req.Multipart())
                {
                    await part.SaveAsAsync(Path.Combine(directory, part.FileName!), maxLength: 1024);
                }
                res.Send("saved");
            });
            await TestApp.RunAsync(app, async (client, _) =>
            {
                using var small = new MultipartFormDataContent { { new ByteArrayContent(new byte[100]), "avatar", "small.png" } };
                Assert.Equal("saved", await (await client.PostAsync("/avatar", small)).Content.ReadAsStringAsync());
                using var large = new MultipartFormDataContent { { new ByteArrayContent(new byte[5000]), "avatar", "large.png" } };
                var refused = await client.PostAsync("/avatar", large);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
                Assert.Equal("The file of form field 'avatar' is larger than the limit of 1024 bytes.", await refused.Content.ReadAsStringAsync());
            });
            Assert.True(File.Exists(Path.Combine(directory, "small.png")));
            Assert.False(File.Exists(Path.Combine(directory, "large.png")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
