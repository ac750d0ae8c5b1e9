using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.App;

/// <summary>
/// Issue 23: what a new user hit building a real service, each reproduced here: mistakes in the app's code named as
/// the app's, the answers Express has by name, files sent as the app says, and the app's start-up settings.
/// </summary>
public sealed class NewUserTests
{
    [Fact]
    public async Task A_route_added_after_the_app_started_is_refused_with_the_reason()
    {
        var app = new MicroApp();
        app.Get("/", (req, res) => res.Send("home"));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var error = Assert.Throws<InvalidOperationException>(() => app.Get("/late", (req, res) => res.Send("never")));
            Assert.Contains("route GET /late", error.Message, StringComparison.Ordinal);
            Assert.Contains("already started", error.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => app.Use((req, res, next) => next.Invoke()));
            Assert.Equal("home", await client.GetStringAsync("/"));
        });
    }

    [Theory]
    [InlineData("/notes/{id}", "/notes/:id")]
    [InlineData("/users/{userId:int}/posts/{postId}", "/users/:userId/posts/:postId")]
    [InlineData("/files/{*path}", "/files/*path")]
    public void A_minimal_API_style_pattern_is_refused_showing_the_Micro_form(string pattern, string suggested)
    {
        var app = new MicroApp();
        var error = Assert.Throws<ArgumentException>(() => app.Get(pattern, (req, res) => res.Send("x")));
        Assert.Contains($"write '{suggested}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parameter_name_the_route_does_not_have_is_a_500_naming_its_parameters_and_a_bad_value_stays_400()
    {
        var app = new MicroApp(loggerFactory: LoggerFactory.Create(_ => { }));
        app.Get("/notes/:id", (req, res) => res.Send(req.Params.GetInt("idd").ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.Get("/items/:id", (req, res) => res.Send(req.Params.Get<Guid>("id").ToString()));
        app.Get("/pages/:n?", (req, res) => res.Send(req.Params.GetInt("n").ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var typo = await client.GetAsync("/notes/7");
            Assert.Equal(HttpStatusCode.InternalServerError, typo.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/items/not-a-guid")).StatusCode); // the client's mistake
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/pages")).StatusCode);            // an optional one left out: the client's
            Assert.Equal("3", await client.GetStringAsync("/pages/3"));
        });
    }

    [Fact]
    public async Task The_typo_s_message_names_the_route_and_its_parameters()
    {
        string? message = null;
        var app = new MicroApp();
        app.Get("/notes/:id", (req, res) =>
        {
            message = Assert.Throws<InvalidOperationException>(() => req.Params.GetInt("idd")).Message;
            res.Send("x");
        });
        await TestApp.RunAsync(app, async (client, _) => await client.GetStringAsync("/notes/1"));
        Assert.Contains("Route '/notes/:id' has no parameter 'idd' (its parameters: id)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_multipart_twice_is_the_apps_mistake_not_the_clients()
    {
        var app = new MicroApp(loggerFactory: LoggerFactory.Create(_ => { }));
        string? second = null;
        app.Post("/upload", async (req, res) =>
        {
            await foreach (var part in req.Multipart())
            {
                await part.Body.CopyToAsync(Stream.Null);
            }
            try
            {
                req.Multipart();
            }
            catch (InvalidOperationException error)
            {
                second = error.Message;
                throw;
            }
        });
        await TestApp.RunAsync(app, async (client, _) =>
        {
            using var form = new MultipartFormDataContent { { new StringContent("hello"), "field" } };
            Assert.Equal(HttpStatusCode.InternalServerError, (await client.PostAsync("/upload", form)).StatusCode);
        });
        Assert.Contains("req.Multipart() was called twice", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_without_a_body_has_no_Content_Type()
    {
        var app = new MicroApp();
        app.Delete("/notes/:id", (req, res) => res.Status(204).Send(""));
        app.Get("/gone", (req, res) => res.SendStatus(204));
        await TestApp.RunAsync(app, async (client, url) =>
        {
            await using var raw = await TestApp.ConnectAsync(url);
            await raw.SendAsync("DELETE /notes/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
            foreach (var response in await raw.ReadResponsesAsync(2))
            {
                Assert.Equal(204, response.Status);
                Assert.DoesNotContain(response.Headers.Keys, name => name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));
            }
        });
    }

    [Fact]
    public async Task Created_SendStatus_Type_Location_and_Attachment_answer_as_Express_does()
    {
        var app = new MicroApp();
        app.Post("/notes", (req, res) => res.Created("/notes/7", new { id = 7 }));
        app.Get("/missing", (req, res) => res.SendStatus(404));
        app.Get("/csv", (req, res) => res.Type("csv").Send("a,b\n"));
        app.Get("/pdf", (req, res) => res.Type("application/pdf").Send("%PDF-1.7"u8));
        app.Get("/moved", (req, res) => res.Location("/elsewhere").Status(301).End());
        app.Get("/report", (req, res) => res.Attachment("résumé 2026.pdf").Send("%PDF"u8));
        app.Get("/bad-type", (req, res) => res.Type("nonsense-type").Send("x"));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var created = await client.PostAsync("/notes", null);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("/notes/7", created.Headers.Location!.OriginalString);
            Assert.Equal("""{"id":7}""", await created.Content.ReadAsStringAsync());
            var missing = await client.GetAsync("/missing");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("Not Found", await missing.Content.ReadAsStringAsync());
            Assert.Equal("text/csv; charset=utf-8", (await client.GetAsync("/csv")).Content.Headers.ContentType!.ToString());
            Assert.Equal("application/pdf", (await client.GetAsync("/pdf")).Content.Headers.ContentType!.MediaType);
            using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = client.BaseAddress };
            Assert.Equal("/elsewhere", (await noRedirect.GetAsync("/moved")).Headers.Location!.OriginalString);
            var report = await client.GetAsync("/report");
            Assert.Equal("attachment", report.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("résumé 2026.pdf", report.Content.Headers.ContentDisposition.FileNameStar);
            Assert.Equal("application/pdf", report.Content.Headers.ContentType!.MediaType);
            Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/bad-type")).StatusCode);
        });
    }

    [Fact]
    public async Task SendFile_keeps_the_apps_Content_Type_and_Download_names_the_file()
    {
        var directory = Directory.CreateTempSubdirectory("micro-files-").FullName;
        var file = Path.Combine(directory, "blob.bin");
        await File.WriteAllBytesAsync(file, Encoding.ASCII.GetBytes("%PDF-1.7 content"));
        try
        {
            var app = new MicroApp();
            app.Get("/set-first", (req, res) => res.Header("Content-Type", "application/pdf").SendFile(file));
            app.Get("/typed", (req, res) => res.SendFile(file, "application/pdf", "invoice.pdf"));
            app.Get("/download", (req, res) => res.Download(file, "copy.bin"));
            await TestApp.RunAsync(app, async (client, _) =>
            {
                Assert.Equal("application/pdf", (await client.GetAsync("/set-first")).Content.Headers.ContentType!.MediaType);
                var typed = await client.GetAsync("/typed");
                Assert.Equal("application/pdf", typed.Content.Headers.ContentType!.MediaType);
                Assert.Equal("invoice.pdf", typed.Content.Headers.ContentDisposition!.FileName);
                var download = await client.GetAsync("/download");
                Assert.Equal("copy.bin", download.Content.Headers.ContentDisposition!.FileName);
                Assert.Equal("%PDF-1.7 content", await download.Content.ReadAsStringAsync());
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_app_made_from_the_command_line_logs_warnings_and_errors_to_the_console_by_default()
    {
        var app = new MicroApp(["--port", "0"]);
        var logger = app.LoggerFactory!.CreateLogger("Micro.Http");
        Assert.True(logger.IsEnabled(LogLevel.Warning));
        Assert.True(logger.IsEnabled(LogLevel.Error));
        Assert.False(logger.IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void The_default_address_is_the_last_resort_and_an_app_not_built_has_empty_services()
    {
        var builder = MicroApp.CreateBuilder([]);
        builder.DefaultUrls = "http://127.0.0.1:5055";
        Assert.Equal(5055, builder.Build().ServerOptions.EndPoints[0].Port);
        var configured = MicroApp.CreateBuilder(["--urls", "http://127.0.0.1:6066"]);
        configured.DefaultUrls = "http://127.0.0.1:5055";
        Assert.Equal(6066, configured.Build().ServerOptions.EndPoints[0].Port);
        Assert.Null(new MicroApp().Services.GetService(typeof(ILoggerFactory)));
    }
}
