using System.Text.Json;
using Micro.Testing;

namespace Micro.Tests.App;

/// <summary>The app API's sharp edges, each as a user meets it, through the in-memory host.</summary>
public sealed class ApiEdgeTests
{
    private sealed record Item(int Id, string Name);

    [Fact]
    public async Task Json_uses_web_defaults_camel_case_out_and_any_case_in()
    {
        var app = new MicroApp();
        app.Post("/items", (req, res) => res.Json(req.Json<Item>()));
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        var response = await client.PostAsync("/items", new StringContent("{\"id\":1,\"NAME\":\"one\"}", Encoding.UTF8, "application/json"));
        Assert.Equal("{\"id\":1,\"name\":\"one\"}", await response.Content.ReadAsStringAsync());
        var merge = await client.PostAsync("/items", new StringContent("{\"id\":2}", Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal("{\"id\":2,\"name\":null}", await merge.Content.ReadAsStringAsync());
        var bad = await client.PostAsync("/items", new StringContent("{\"id\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("The request body is not valid JSON", await bad.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("text/plain")] // what a cross-site page can send without a preflight, on the victim's cookies
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/jsonx")]
    [InlineData(null)]
    public async Task A_json_body_that_does_not_say_it_is_json_gets_415(string? contentType)
    {
        var app = new MicroApp();
        var handled = 0;
        app.Post("/items", (req, res) =>
        {
            var item = req.Json<Item>();
            handled++;
            res.Json(item);
        });
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        var content = new ByteArrayContent("{\"id\":1}"u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }
        var response = await client.PostAsync("/items", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal($"Expected an application/json body, not '{contentType ?? "none"}'.", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task The_app_configures_its_json_options()
    {
        var app = new MicroApp();
        app.JsonOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        app.Get("/item", (req, res) => res.Json(new { ItemId = 7, DisplayName = "seven" }));
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        Assert.Equal("{\"item_id\":7,\"display_name\":\"seven\"}", await client.GetStringAsync("/item"));
    }

    [Fact]
    public async Task Headers_are_set_appended_removed_and_read_back()
    {
        var app = new MicroApp();
        app.Use(async (req, res, next) =>
        {
            res.Header("X-Owner", "middleware").Header("X-Gone", "soon").Header("Cache-Control", "no-store");
            await next;
        });
        app.Get("/", (req, res) =>
        {
            res.Header("x-owner", "handler");                       // replaces, in any case
            res.AppendHeader("Link", "</a>; rel=a").AppendHeader("Link", "</b>; rel=b");
            res.RemoveHeader("X-Gone");
            res.Header("Content-Type", "text/html; charset=utf-8");  // not doubled by Send's default
            res.Send($"{res.GetHeader("X-OWNER")}|{res.GetHeader("X-Gone") ?? "none"}|{res.Headers.Count()}");
        });
        await using var host = new MicroTestHost(app);
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = await raw.ReadToEndAsync();
        Assert.Single(AllLines(text, "X-Owner:"));
        Assert.Contains("X-Owner: handler", AllLines(text, "x-owner:").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, AllLines(text, "Link:").Count);
        Assert.Empty(AllLines(text, "X-Gone:"));
        Assert.Equal(["Content-Type: text/html; charset=utf-8"], AllLines(text, "Content-Type:"));
        Assert.EndsWith("handler|none|5", text);
    }

    private static List<string> AllLines(string response, string prefix) =>
        [.. response.Split("\r\n").Where(line => line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))];

    [Fact]
    public async Task Writing_after_end_throws_and_names_the_problem()
    {
        var app = new MicroApp();
        var failures = new List<string>();
        app.Get("/", (req, res) =>
        {
            res.Status(202).End();
            res.End(); // twice is harmless
            foreach (var write in new Action[] { () => res.Send("late"), () => res.Json(1), () => res.Header("X", "y"), () => res.Status(500) })
            {
                failures.Add(Assert.Throws<InvalidOperationException>(write).Message);
            }
        });
        app.Get("/twice", (req, res) =>
        {
            res.Send("first");
            res.Send("second"); // throws: the app answers 500 (nothing was sent yet)
        });
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal(4, failures.Count);
        Assert.All(failures, message => Assert.StartsWith("The response has already been ended", message));
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/twice")).StatusCode);
    }

    [Fact]
    public async Task Route_middleware_runs_after_the_apps_and_only_for_its_route()
    {
        var app = new MicroApp();
        app.Use(async (req, res, next) =>
        {
            req.Items["trail"] = "app";
            await next;
        });
        Middleware auth = async (req, res, next) =>
        {
            if (req.Header("Authorization") != "Bearer ok")
            {
                res.Status(401).Send("no");
                return;
            }
            req.Items["trail"] += ">auth";
            await next;
        };
        Middleware audit = (req, res, next) =>
        {
            req.Items["trail"] += ">audit";
            return next.Invoke();
        };
        app.Get("/admin", auth, (req, res) => res.Send((string)req.Items["trail"]! + ">handler"));
        app.Post("/admin/items", [auth, audit], async (req, res) =>
        {
            await Task.Yield();
            res.Send((string)req.Items["trail"]! + ">handler");
        });
        app.Get("/public", (req, res) => res.Send((string)req.Items["trail"]! + $">handler items={req.Items.Count}"));
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "ok");
        Assert.Equal("app>auth>handler", await client.GetStringAsync("/admin"));
        Assert.Equal("app>auth>audit>handler", await (await client.PostAsync("/admin/items", null)).Content.ReadAsStringAsync());
        Assert.Equal("app>handler items=1", await client.GetStringAsync("/public")); // Items is the request's own
    }

    [Fact]
    public async Task The_request_exposes_headers_host_ip_and_content_negotiation()
    {
        var app = new MicroApp();
        app.Get("/", (req, res) => res.Send(string.Join("|",
            string.Join(",", req.Headers["x-multi"].ToArray()), req.Headers.ContainsKey("HOST"), req.Host, req.Ip,
            req.Accepts("json", "html") ?? "406", req.Accepts("image/png") ?? "406", req.Accepts("text/plain", "application/json"))));
        await using var host = new MicroTestHost(app);
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: example.test:8080\r\nX-Multi: a\r\nx-multi: b\r\nAccept: application/json;q=0.5, text/html, image/*;q=0\r\n\r\n" +
                            "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(2);
        Assert.Equal("a,b|True|example.test:8080|127.0.0.1|html|406|application/json", responses[0].Body); // text/plain matches no range
        Assert.Equal("|True|h|127.0.0.1|json|image/png|text/plain", responses[1].Body); // no Accept: anything goes
    }

    [Fact]
    public async Task An_absolute_form_targets_authority_is_the_host_and_a_host_that_is_not_host_port_gets_400()
    {
        var app = new MicroApp();
        app.Get("/host", (req, res) => res.Send($"{req.Host}|{req.Header("host")}|{req.Path}"));
        await using var host = new MicroTestHost(app);
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync("GET http://b.example:8080/host?x HTTP/1.1\r\nHost: a\r\n\r\nGET /host HTTP/1.1\r\nHost: a:xx\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(2);
        Assert.Equal("b.example:8080|a|/host", responses[0].Body); // RFC 9112 section 3.2.2; the header as sent stays readable
        Assert.Equal(400, responses[1].Status); // RFC 9112 section 3.2: a Host that is not uri-host[:port]
        Assert.Equal("", await raw.ReadToEndAsync()); // and the connection closes after it
    }

    [Fact]
    public async Task Typed_query_and_route_getters_parse_or_answer_400()
    {
        var app = new MicroApp();
        app.Get("/days/:day", (req, res) => res.Send(
            $"{req.Params.Get<DateOnly>("day"):yyyy-MM-dd} page={req.Query.Get<int>("page") ?? 1} size={req.Query.GetInt("size", 20)} " +
            $"all={req.Query.GetBool("all")} missing=[{req.Query["missing"]}]"));
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        Assert.Equal("2026-11-29 page=3 size=20 all=True missing=[]", await client.GetStringAsync("/days/2026-11-29?page=3&all=TRUE"));
        Assert.Equal("2026-11-29 page=1 size=20 all=False missing=[]", await client.GetStringAsync("/days/2026-11-29"));
        var badQuery = await client.GetAsync("/days/2026-11-29?page=three");
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        Assert.Equal("Query parameter 'page' must be an integer, not 'three'.", await badQuery.Content.ReadAsStringAsync());
        var badRoute = await client.GetAsync("/days/someday");
        Assert.Equal(HttpStatusCode.BadRequest, badRoute.StatusCode);
        Assert.Equal("Route parameter 'day' must be a DateOnly.", await badRoute.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Options_star_lists_the_methods_served_and_connect_is_refused_with_501()
    {
        var app = new MicroApp();
        var seen = new List<string>();
        app.Use(async (req, res, next) =>
        {
            seen.Add($"{req.Method} {req.RawTarget}");
            await next;
        });
        app.Get("/", (req, res) => res.Send("root"));
        app.Post("/items", (req, res) => res.Send("posted"));
        app.Map("PROPFIND", "/dav", (req, res) => res.Send("dav"));
        await using var host = new MicroTestHost(app);
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nCONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(3);
        Assert.Equal(200, responses[0].Status);
        Assert.Equal("GET, HEAD, POST, OPTIONS, PROPFIND", responses[0].Headers["Allow"]);
        Assert.Equal("", responses[0].Body);
        Assert.Equal(501, responses[1].Status);
        Assert.Equal("root", responses[2].Body); // not routed as "/", and the connection goes on
        Assert.Equal(["OPTIONS *", "CONNECT example.test:443", "GET /"], seen);
    }

    [Fact]
    public async Task A_handler_failure_is_logged_with_the_method_as_sent()
    {
        var log = new RecordingLoggerProvider();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([log]);
        var app = new MicroApp(loggerFactory: factory);
        app.Map("PROPFIND", "/dav/:name", (req, res) => throw new InvalidOperationException("boom"));
        await using (var host = new MicroTestHost(app))
        {
            using var client = host.CreateClient();
            var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod("PROPFIND"), "/dav/x?depth=1"));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        var entry = Assert.Single(log.Entries, e => e.Exception is not null);
        Assert.Equal("Request PROPFIND /dav/x?depth=1 failed in its handler.", entry.Message);
    }

    [Fact]
    public async Task Hostile_values_get_clear_answers_an_overflowing_number_is_400_and_a_huge_accept_header_is_negotiated()
    {
        var app = new MicroApp();
        app.Get("/page", (req, res) => res.Send($"{req.Query.Get<int>("n")}"));
        app.Get("/negotiate", (req, res) => res.Send(req.Accepts("json", "html") ?? "406"));
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        var overflow = await client.GetAsync("/page?n=99999999999999999999");
        Assert.Equal(HttpStatusCode.BadRequest, overflow.StatusCode);
        Assert.Equal("Query parameter 'n' must be an integer, not '99999999999999999999'.", await overflow.Content.ReadAsStringAsync());
        // About 28 KiB of ranges (under the 32 KiB head limit), every one refusing, then one that accepts HTML.
        var accept = string.Join(", ", Enumerable.Range(0, 1500).Select(i => $"x/y{i};q=0")) + ", text/html;q=0.1";
        var request = new HttpRequestMessage(HttpMethod.Get, "/negotiate");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        Assert.Equal("html", await (await client.SendAsync(request)).Content.ReadAsStringAsync());
    }
}
