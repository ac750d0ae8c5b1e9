using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.App;

/// <summary>
/// Issue 23, "errors, one story": every error the app can see (its own, the framework's 400/413/415, 404 and 405)
/// reaches one hook with its status and reason; <c>res.Problem</c> writes RFC 9457; <c>app.UseProblemDetails()</c>
/// answers every error, the server's own included, as problem+json.
/// </summary>
public sealed class ErrorStoryTests
{
    public sealed record Note(string Title);

    private static (MicroApp App, RecordingLoggerProvider Logs) NotesApp()
    {
        var logs = new RecordingLoggerProvider();
        var app = new MicroApp(loggerFactory: LoggerFactory.Create(logging => logging.AddProvider(logs)));
        app.ServerOptions.MaxRequestBodySize = 1000;
        app.Get("/conflict", (req, res) => throw new HttpError(409, "That title is taken."));
        app.Post("/notes", (req, res) => res.Json(req.Json<Note>()));
        app.Post("/form", (req, res) => res.Send(req.Form().Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.Get("/items/:id", (req, res) => res.Send(req.Params.GetInt("id").ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.Get("/crash", (req, res) => throw new InvalidOperationException("the handler's own bug"));
        return (app, logs);
    }

    [Fact]
    public async Task OnError_sees_the_apps_errors_the_frameworks_404_and_405_with_status_and_reason()
    {
        var (app, logs) = NotesApp();
        var seen = new List<string>();
        app.OnError((error, req, res) =>
        {
            var status = HttpError.StatusCodeOf(error);
            lock (seen)
            {
                seen.Add($"{status} {req.Path}");
            }
            res.Problem(status, detail: status == 500 ? "Something broke; it was logged." : error.Message, extensions: new Dictionary<string, object?> { ["path"] = req.Path });
            return default;
        });
        await TestApp.RunAsync(app, async (client, _) =>
        {
            await AssertProblemAsync(await client.GetAsync("/conflict"), 409, "That title is taken.");
            await AssertProblemAsync(await client.PostAsync("/notes", new StringContent("{\"title\":", Encoding.UTF8, "application/json")), 400, "not valid JSON");
            await AssertProblemAsync(await client.PostAsync("/form", new StringContent("{}", Encoding.UTF8, "application/json")), 415, "application/x-www-form-urlencoded");
            await AssertProblemAsync(await client.GetAsync("/items/abc"), 400, "must be an integer");
            await AssertProblemAsync(await client.GetAsync("/nowhere"), 404, "Not Found");
            var wrongMethod = await client.DeleteAsync("/conflict");
            await AssertProblemAsync(wrongMethod, 405, "Method Not Allowed");
            Assert.Contains("GET", wrongMethod.Content.Headers.Allow);
            var crash = await client.GetAsync("/crash");
            using var problem = await AssertProblemAsync(crash, 500, "Something broke");
            Assert.Equal("/crash", problem.RootElement.GetProperty("path").GetString());
        });
        Assert.Equal(["400 /items/abc", "400 /notes", "404 /nowhere", "405 /conflict", "409 /conflict", "415 /form", "500 /crash"], seen.Order(StringComparer.Ordinal));
        // The handler's own bug is still reported, though OnError answered it.
        Assert.Contains(logs.Entries, entry => entry.Level == LogLevel.Error && entry.Exception?.Message == "the handler's own bug");
    }

    [Fact]
    public async Task UseProblemDetails_answers_every_error_as_problem_json_the_servers_own_included()
    {
        var (app, logs) = NotesApp();
        app.UseProblemDetails();
        await TestApp.RunAsync(app, async (client, url) =>
        {
            using (var conflict = await AssertProblemAsync(await client.GetAsync("/conflict"), 409, "That title is taken."))
            {
                Assert.Equal("Conflict", conflict.RootElement.GetProperty("title").GetString());
            }
            using (var notFound = await AssertProblemAsync(await client.GetAsync("/nowhere"), 404, null))
            {
                Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.5", notFound.RootElement.GetProperty("type").GetString());
            }
            (await AssertProblemAsync(await client.DeleteAsync("/conflict"), 405, null)).Dispose();
            (await AssertProblemAsync(await client.PostAsync("/notes", new StringContent("[", Encoding.UTF8, "application/json")), 400, "not valid JSON")).Dispose();
            (await AssertProblemAsync(await client.GetAsync("/crash"), 500, null)).Dispose();
            // Refused by the server before any route: a declared body over the limit, a malformed header.
            await using var raw = await TestApp.ConnectAsync(url);
            await raw.SendAsync("POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n");
            var tooLarge = Assert.Single(await raw.ReadResponsesAsync(1));
            Assert.Equal(413, tooLarge.Status);
            Assert.Equal("application/problem+json", tooLarge.Headers["Content-Type"]);
            Assert.Contains("larger than the limit of 1000 bytes", tooLarge.Body, StringComparison.Ordinal);
            await using var malformed = await TestApp.ConnectAsync(url);
            await malformed.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n");
            var badRequest = Assert.Single(await malformed.ReadResponsesAsync(1));
            Assert.Equal(400, badRequest.Status);
            using var body = JsonDocument.Parse(badRequest.Body);
            Assert.Equal(400, body.RootElement.GetProperty("status").GetInt32());
        });
        Assert.Contains(logs.Entries, entry => entry.Exception?.Message == "the handler's own bug"); // the 500 is logged, as always
    }

    [Fact]
    public async Task Without_either_errors_stay_plain_text_and_the_servers_413_names_the_limit()
    {
        var (app, _) = NotesApp();
        await TestApp.RunAsync(app, async (client, url) =>
        {
            var conflict = await client.GetAsync("/conflict");
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("That title is taken.", await conflict.Content.ReadAsStringAsync());
            Assert.Equal("Not Found", await (await client.GetAsync("/nowhere")).Content.ReadAsStringAsync());
            await using var raw = await TestApp.ConnectAsync(url);
            await raw.SendAsync("POST /notes HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
            var tooLarge = Assert.Single(await raw.ReadResponsesAsync(1));
            Assert.Equal(413, tooLarge.Status);
            Assert.Equal("The request body is larger than the limit of 1000 bytes.", tooLarge.Body);
        });
    }

    private static async Task<JsonDocument> AssertProblemAsync(HttpResponseMessage response, int status, string? detailPart)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        if (detailPart is not null)
        {
            Assert.Contains(detailPart, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        return problem;
    }
}
