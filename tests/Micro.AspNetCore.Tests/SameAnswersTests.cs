using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The same raw requests to the same app on Kestrel and on Micro, compared answer by answer: the status line, the
/// headers, the body, and whether the connection closes after them, once what HTTP lets each server choose for itself
/// is set aside (the order of the headers, a Content-Length or the chunked coding, Date and Server). The cases are the
/// edges an app meets: what the app sets on its response (an empty value, a Content-Length that is not a number, a
/// header after StartAsync, a reason phrase, cookies), what the request carries (percent-encoding, dot segments,
/// repeated headers, an absolute target, a chunked body with extensions and trailers, a body the app leaves unread,
/// 100-continue), and HTTP/1.0. Where Micro answers otherwise on purpose, docs/aspnetcore.md says so and the case is
/// not here.
/// </summary>
public sealed partial class SameAnswersTests
{
    private sealed record Case(string Request, int Responses = 1, bool Head = false);

    private static readonly Case[] Cases =
    [
        new("GET /echo/a%2Fb/c%20d/caf%C3%A9/a%zzb HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /x/../echo/./y?a=1+2&b=%20&c HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /echo? HTTP/1.1\r\nHost: example.com:8080\r\nX-A: 1\r\nX-A: 2\r\nX-B:   padded   \r\n\r\n"),
        new("GET http://other.example/echo HTTP/1.1\r\nHost: other.example\r\n\r\n"),
        new("GET /echo HTTP/1.1\r\nHost: [::1]:80\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n"),
        new("get /echo HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"),
        new("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
        new("GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /echo HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 2),
        new("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 2),
        new("POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 2),
        new("POST /ignore HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"),
        new("GET /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"),
        new("GET /echo HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /echo HTTP/1.0\r\n\r\n", Responses: 2),
        new("GET /echo HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n"),
        new("GET /conn-close HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nGET /throw HTTP/1.1\r\nHost: x\r\n\r\nDELETE /ignore HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 3),
        new("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", Head: true),
        new("HEAD /ignore HTTP/1.1\r\nHost: x\r\n\r\n", Head: true),
        new("HEAD /head-body HTTP/1.1\r\nHost: x\r\n\r\n", Head: true),
        new("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /echo?" + new string('a', 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), // past Kestrel's default request line limit (8 KiB)
        new("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 33000) + "\r\n\r\n"), // past its header limit (32 KiB)
        new("GET /echo HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-H{i}: v\r\n")) + "\r\n"), // 101 headers
        new("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n", Head: true),
        new("GET /304 HTTP/1.1\r\nHost: x\r\n\r\n", Head: true),
        new("GET /flush-empty HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /response-headers HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /bad-length HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /started HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /reason HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /status/299 HTTP/1.1\r\nHost: x\r\n\r\nGET /status/599 HTTP/1.1\r\nHost: x\r\n\r\nGET /status/418 HTTP/1.1\r\nHost: x\r\n\r\n", Responses: 3),
        new("GET /extended-connect HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /redirect HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /cookies HTTP/1.1\r\nHost: x\r\nCookie: a=1; b=2\r\nCookie: c=3\r\n\r\n"),
        new("GET /status-after-write HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\na=1&b=x+y&a"),
        new("POST /body-limit HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
        new("POST /buffered-twice HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
        new("GET /on-starting HTTP/1.1\r\nHost: x\r\n\r\n"),
        new("POST /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: custom\r\nContent-Length: 3\r\n\r\nabc"),
        new("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"),
        new("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"),
    ];

    [Theory]
    [InlineData(ServerKind.Micro)]
    [InlineData(ServerKind.MicroInline)]
    public async Task Every_case_is_answered_as_kestrel_answers_it(ServerKind server)
    {
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, MapAll);
        await using var micro = await ServedApp.StartAsync(server, MapAll);
        foreach (var @case in Cases.Concat(EdgeCases))
        {
            var expected = await AnswersAsync(kestrel, @case);
            var actual = await AnswersAsync(micro, @case);
            Assert.True(expected == actual, $"{@case.Request.ReplaceLineEndings("|")}\nKestrel:\n{expected}\n{server}:\n{actual}");
        }
    }

    /// <summary>The case's answers as text, with what each server may choose left out; then "closed" when the last said it would close.</summary>
    private static async Task<string> AnswersAsync(ServedApp app, Case @case)
    {
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(@case.Request);
        var answers = new List<string>();
        for (var i = 0; i < @case.Responses; i++)
        {
            (int Status, Dictionary<string, string> Headers, string Body) answer;
            try
            {
                answer = await client.ReadResponseAsync(headOnly: @case.Head);
            }
            catch (Exception unreadable) when (unreadable is IOException or NullReferenceException or FormatException)
            {
                // The connection closed or was cut mid-answer: compared as such, whether the client saw a FIN or a reset.
                answers.Add($"no whole answer after [{client.LastStatusLine}]");
                break;
            }
            var (status, headers, body) = answer;
            var kept = client.LastHeaderLines
                .Select(line => (Name: line[..line.IndexOf(':')].ToLowerInvariant(), Value: line[(line.IndexOf(':') + 1)..].Trim()))
                .Where(header => header.Name is not ("date" or "server" or "content-length" or "transfer-encoding"))
                .Select(header => $"{header.Name}: {header.Value}")
                .Order(StringComparer.Ordinal);
            answers.Add($"{client.LastStatusLine}\n{string.Join('\n', kept)}\n\n{body}");
            if (headers.TryGetValue("connection", out var connection) && connection.Contains("close", StringComparison.OrdinalIgnoreCase))
            {
                Assert.True(await client.IsClosedByServerAsync());
                answers.Add("closed");
                break;
            }
        }
        return string.Join("\n---\n", answers);
    }

    private static void MapAll(WebApplication web)
    {
        Map(web);
        MapEdges(web);
    }

    private static void Map(WebApplication web)
    {
        web.UseWebSockets();
        web.Map("/echo/{**rest}", async (HttpContext context) =>
        {
            var request = context.Request;
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            // Results.Text says its length: Kestrel too answers HTTP/1.0 with a Content-Length, and keeps the connection when asked.
            return Results.Text($"method={request.Method} path={request.Path.Value} target={context.Features.Get<IHttpRequestFeature>()!.RawTarget} " +
                $"query={request.QueryString} [{string.Join(",", request.Query.Select(q => q.Key + "=" + q.Value))}] host={request.Host} " +
                $"protocol={request.Protocol} x-a={request.Headers["X-A"].Count}:{request.Headers["X-A"]} x-b=[{request.Headers["X-B"]}] " +
                $"length={request.ContentLength} has-body={context.Features.Get<IHttpRequestBodyDetectionFeature>()!.CanHaveBody} " +
                $"upgradable={context.Features.Get<IHttpUpgradeFeature>()!.IsUpgradableRequest} body={body}");
        });
        web.MapPost("/ignore", () => "ignored");
        web.MapGet("/throw", (HttpContext context) => throw new InvalidOperationException("the app's failure"));
        web.MapGet("/conn-close", (HttpResponse response) =>
        {
            response.Headers.Connection = "close";
            return "bye";
        });
        web.MapMethods("/head-body", ["HEAD", "GET"], (HttpResponse response) => response.WriteAsync("body!"));
        web.MapGet("/204", (HttpResponse response) =>
        {
            response.StatusCode = 204;
            response.ContentLength = 0;
        });
        web.MapGet("/304", (HttpResponse response) =>
        {
            response.StatusCode = 304;
            response.Headers.ETag = "\"x\"";
        });
        web.MapGet("/flush-empty", (HttpResponse response) => response.Body.FlushAsync());
        web.MapGet("/response-headers", (HttpResponse response) =>
        {
            response.Headers["X-Empty"] = "";
            response.Headers["X-None"] = Microsoft.Extensions.Primitives.StringValues.Empty;
            response.Headers["X-Padded"] = "  padded  ";
            response.Headers["X-Many"] = new Microsoft.Extensions.Primitives.StringValues(["a", "b"]);
            response.Headers.Append("X-Appended", "1");
            response.Headers.Append("X-Appended", "2");
            response.Headers.Location = "../up?q=1#frag";
            response.Cookies.Append("a", "1");
            response.Cookies.Append("b", "2", new CookieOptions { HttpOnly = true, Path = "/" });
            response.ContentType = "application/x-thing";
        });
        web.MapGet("/bad-length", (HttpResponse response) =>
        {
            response.Headers["Content-Length"] = "abc";
            return "never";
        });
        web.MapGet("/started", async (HttpResponse response) =>
        {
            await response.StartAsync();
            var refused = Record.Exception(() => response.Headers["X-Late"] = "1");
            await response.WriteAsync($"{refused?.GetType().Name}: {refused?.Message}");
        });
        web.MapGet("/reason", (HttpContext context) =>
        {
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "Custom Reason";
            context.Response.StatusCode = 299;
        });
        web.MapGet("/status/{code:int}", (int code, HttpResponse response) => response.StatusCode = code);
        web.MapGet("/extended-connect", async (HttpContext context) =>
        {
            var connect = context.Features.Get<IHttpExtendedConnectFeature>()!; // found on HTTP/1.1 too, as on Kestrel
            var refused = await Record.ExceptionAsync(async () => await connect.AcceptAsync());
            return $"extended={connect.IsExtendedConnect} protocol=[{connect.Protocol}] {refused?.GetType().Name}: {refused?.Message}";
        });
        web.MapGet("/redirect", () => Results.Redirect("/elsewhere"));
        web.MapGet("/cookies", (HttpRequest request) => string.Join(",", request.Cookies.Select(c => c.Key + "=" + c.Value)) + $" lines={request.Headers.Cookie.Count}");
        web.MapGet("/status-after-write", async (HttpResponse response) =>
        {
            await response.WriteAsync("x");
            var refused = Record.Exception(() => response.StatusCode = 500);
            await response.WriteAsync($" {refused?.GetType().Name}: {refused?.Message}");
        });
        web.MapGet("/sync", (HttpResponse response) => Record.Exception(() => response.Body.Write("x"u8))?.Message);
        web.MapPost("/form", async (HttpRequest request) => string.Join(",", (await request.ReadFormAsync()).Select(f => f.Key + "=" + f.Value)));
        web.MapPost("/body-limit", async (HttpContext context) =>
        {
            context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 2;
            var refused = await Record.ExceptionAsync(() => context.Request.Body.CopyToAsync(Stream.Null));
            return $"{refused?.GetType().Name}: {refused?.Message}";
        });
        web.MapPost("/buffered-twice", async (HttpRequest request) =>
        {
            request.EnableBuffering();
            var first = await new StreamReader(request.Body, leaveOpen: true).ReadToEndAsync();
            request.Body.Position = 0;
            return first + "|" + await new StreamReader(request.Body).ReadToEndAsync();
        });
        web.MapGet("/on-starting", async (HttpResponse response) =>
        {
            var order = new List<string>();
            response.OnStarting(() =>
            {
                order.Add("first registered");
                response.Headers["X-Order"] = string.Join(",", order);
                return Task.CompletedTask;
            });
            response.OnStarting(() =>
            {
                order.Add("second registered");
                return Task.CompletedTask;
            });
            await response.WriteAsync("body");
        });
        web.MapPost("/upgrade", (HttpContext context) => $"upgradable={context.Features.Get<IHttpUpgradeFeature>()!.IsUpgradableRequest}");
        web.Map("/ws", (HttpContext context) => Results.Text($"websocket={context.WebSockets.IsWebSocketRequest}", statusCode: 426));
    }
}
