using System.Net.Http.Json;

namespace Micro.Tests.App;

public sealed class AppTests
{
    private sealed record Item(int Id, string Name);

    [Fact]
    public async Task Routes_answer_with_text_json_and_params()
    {
        var app = new MicroApp();
        app.Get("/", (req, res) => res.Send("Hello, World!"));
        app.Get("/users/:id", (req, res) => res.Json(new Item(req.Params.GetInt("id"), req.Params["id"]!)));
        app.Get("/names/:name", (req, res) => res.Send(req.Params["name"]!));
        app.Get("/search", (req, res) => res.Send(string.Join("|", req.Query["tag"].ToArray()) + ";" + req.Query["q"]));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var hello = await client.GetAsync("/");
            Assert.Equal("Hello, World!", await hello.Content.ReadAsStringAsync());
            Assert.Equal("text/plain; charset=utf-8", hello.Content.Headers.ContentType!.ToString());
            Assert.Equal(new Item(42, "42"), await client.GetFromJsonAsync<Item>("/users/42"));
            Assert.Equal("José", await client.GetStringAsync("/names/Jos%C3%A9"));
            Assert.Equal("a|b c;x", await client.GetStringAsync("/search?tag=a&q=x&tag=b%20c"));
        });
    }

    [Fact]
    public async Task A_malformed_typed_param_gets_400_naming_it()
    {
        var app = new MicroApp();
        app.Get("/users/:id", (req, res) => res.Send(req.Params.GetInt("id").ToString()));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var response = await client.GetAsync("/users/abc");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("Route parameter 'id' must be an integer.", await response.Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task Unknown_paths_get_404_other_methods_405_with_allow_and_head_is_served_by_get()
    {
        var app = new MicroApp();
        app.Get("/items", (req, res) => res.Send("list"));
        app.Post("/items", (req, res) => res.Status(201).Send("created"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nothing")).StatusCode);
            var put = await client.PutAsync("/items", new StringContent("x"));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
            Assert.Equal("GET, POST, HEAD", string.Join(", ", put.Content.Headers.Allow));
            var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/items"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(4, head.Content.Headers.ContentLength);
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/items", new StringContent("x"))).StatusCode);
        });
    }

    [Fact]
    public async Task Middleware_runs_before_and_after_next_and_can_short_circuit()
    {
        var app = new MicroApp();
        var order = new List<string>();
        app.Use(async (req, res, next) =>
        {
            order.Add("before " + req.Path);
            res.Header("X-Before", "1");
            await next;
            order.Add("after " + req.Path);
        });
        app.Use((req, res, next) =>
        {
            if (req.Header("Authorization") is null && req.Path.StartsWith("/private", StringComparison.Ordinal))
            {
                res.Status(401).Send("who are you?");
                return default;
            }
            return next.Invoke();
        });
        app.Get("/public", (req, res) => res.Send("open"));
        app.Get("/private", (req, res) => res.Send("secret"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var open = await client.GetAsync("/public");
            Assert.Equal("open", await open.Content.ReadAsStringAsync());
            Assert.Equal("1", open.Headers.GetValues("X-Before").Single());
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/private")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/missing")).StatusCode);
        });
        Assert.Equal(["before /public", "after /public", "before /private", "after /private", "before /missing", "after /missing"], order);
    }

    [Fact]
    public async Task Mounted_routers_get_their_prefix_and_their_own_middleware()
    {
        var api = new Router();
        api.Use((req, res, next) =>
        {
            res.Header("X-Api", "v1");
            return next.Invoke();
        });
        api.Get("/", (req, res) => res.Send("api root"));
        api.Get("/items/:id", (req, res) => res.Send("item " + req.Params["id"]));
        var app = new MicroApp();
        app.Use("/api/v1", api);
        app.Get("/", (req, res) => res.Send("home"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var item = await client.GetAsync("/api/v1/items/7");
            Assert.Equal("item 7", await item.Content.ReadAsStringAsync());
            Assert.Equal("v1", item.Headers.GetValues("X-Api").Single());
            Assert.Equal("api root", await client.GetStringAsync("/api/v1"));
            var home = await client.GetAsync("/");
            Assert.False(home.Headers.Contains("X-Api"));
        });
    }

    [Fact]
    public async Task Async_handlers_read_json_and_answer_in_order_when_pipelined()
    {
        var app = new MicroApp();
        app.Post("/double", async (req, res) =>
        {
            var item = req.Json<Item>()!;
            await Task.Delay(item.Id);
            res.Status(201).Json(item with { Id = item.Id * 2 });
        });
        app.Get("/fast", (req, res) => res.Send("fast"));
        await TestApp.RunInMemoryAsync(app, async (_, host) =>
        {
            await using var client = await TestApp.ConnectAsync(host);
            var body = "{\"Id\":30,\"Name\":\"slow\"}";
            await client.SendAsync($"POST /double HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
            var responses = await client.ReadResponsesAsync(2);
            Assert.Equal(201, responses[0].Status);
            Assert.Equal("{\"id\":60,\"name\":\"slow\"}", responses[0].Body);
            Assert.Equal("fast", responses[1].Body);
        });
    }

    [Fact]
    public async Task Errors_reach_the_error_hook_with_their_status_and_without_one_keep_it()
    {
        var app = new MicroApp();
        app.Get("/teapot", (req, res) => throw new HttpError(418, "short and stout"));
        app.Get("/bug", (req, res) => throw new InvalidOperationException("oops"));
        app.Post("/json", (req, res) => res.Json(req.Json<Item>()));
        app.OnError((error, req, res) =>
        {
            // Issue 23: one hook sees every error the app can see, with its status (an HttpError's own, 500 for a bug).
            res.Status(HttpError.StatusCodeOf(error) == 500 ? 503 : HttpError.StatusCodeOf(error)).Send("handled: " + error.Message);
            return default;
        });
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var teapot = await client.GetAsync("/teapot");
            Assert.Equal(418, (int)teapot.StatusCode);
            Assert.Equal("handled: short and stout", await teapot.Content.ReadAsStringAsync());
            var bug = await client.GetAsync("/bug");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, bug.StatusCode);
            Assert.Equal("handled: oops", await bug.Content.ReadAsStringAsync());
            var badJson = await client.PostAsync("/json", new StringContent("{not json", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
            Assert.StartsWith("handled: The request body is not valid JSON", await badJson.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        });

        var plain = new MicroApp();
        plain.Get("/teapot", (req, res) => throw new HttpError(418, "short and stout"));
        await TestApp.RunInMemoryAsync(plain, async (client, _) =>
            Assert.Equal("short and stout", await (await client.GetAsync("/teapot")).Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Redirects_and_text_bodies_in_their_charset()
    {
        var app = new MicroApp();
        app.Get("/old", (req, res) => res.Redirect("/new", 301));
        app.Post("/echo-text", (req, res) => res.Send(req.Text()));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var old = await client.GetAsync("/old"); // the test host's client follows no redirects
            Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
            Assert.Equal("/new", old.Headers.Location!.ToString());
            var latin1 = new ByteArrayContent(Encoding.Latin1.GetBytes("café"));
            latin1.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain") { CharSet = "iso-8859-1" };
            Assert.Equal("café", await (await client.PostAsync("/echo-text", latin1)).Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task AspNetCore_status_method_and_header_names_work_with_the_api()
    {
        var app = new MicroApp();
        app.Map(Microsoft.AspNetCore.Http.HttpMethods.Put, "/things/:id", (req, res) =>
            res.Status(Microsoft.AspNetCore.Http.StatusCodes.Status202Accepted)
               .Header(Microsoft.Net.Http.Headers.HeaderNames.CacheControl, "no-store")
               .Send(req.Params["id"]!));
        app.Map("PROPFIND", "/dav", (req, res) => res.Send(req.Method));
        Assert.Throws<ArgumentException>(() => app.Map("BAD METHOD", "/x", (req, res) => res.End()));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var put = await client.PutAsync("/things/5", new StringContent(""));
            Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
            Assert.Equal("no-store", put.Headers.CacheControl!.ToString());
            Assert.Equal("5", await put.Content.ReadAsStringAsync());
            var propfind = await client.SendAsync(new HttpRequestMessage(new HttpMethod("PROPFIND"), "/dav"));
            Assert.Equal("PROPFIND", await propfind.Content.ReadAsStringAsync());
        });
    }

    [Theory]
    [InlineData(new[] { "--port", "9123" }, null, "127.0.0.1:9123")]
    [InlineData(new[] { "--urls", "http://0.0.0.0:80;http://[::1]:81" }, null, "0.0.0.0:80,[::1]:81")]
    [InlineData(new string[0], "http://localhost:5000", "127.0.0.1:5000,[::1]:5000")]
    [InlineData(new string[0], null, "127.0.0.1:8080")]
    [InlineData(new string[0], "ports:8080", "ANY:8080")]
    [InlineData(new string[0], "ports:8080;8081", "ANY:8080,ANY:8081")]
    [InlineData(new[] { "--urls", "http://*:80;http://+:81" }, null, "ANY:80,ANY:81")]
    [InlineData(new[] { "--port", "9123" }, "ports:8080", "127.0.0.1:9123")]
    [InlineData(new[] { "--urls", "http://127.0.0.1;http://[::1]/" }, null, "127.0.0.1:80,[::1]:80")] // no port: the scheme's, as Kestrel binds it
    public void Endpoints_come_from_the_command_line_or_aspnetcore_urls_or_http_ports(string[] args, string? environment, string expected)
    {
        // "ports:..." stands for ASPNETCORE_HTTP_PORTS (what .NET's container images set), anything else for ASPNETCORE_URLS.
        var options = environment?.StartsWith("ports:") == true
            ? ListenOptions.FromCommandLine(args, null, environment["ports:".Length..])
            : ListenOptions.FromCommandLine(args, environment);
        // "ANY": every address, both families where the machine has IPv6 (as Kestrel binds "*"), else IPv4's.
        var every = System.Net.Sockets.Socket.OSSupportsIPv6 ? "[::]" : "0.0.0.0";
        Assert.Equal(expected.Replace("ANY", every, StringComparison.Ordinal), string.Join(",", options.EndPoints));
    }

    [Fact]
    public void A_host_name_other_than_localhost_is_refused_naming_it_not_bound_as_every_address()
    {
        // A mistyped address ("127.0.0.l") must not bind every interface unnoticed; '*' says so on purpose.
        var refused = Assert.Throws<ArgumentException>(() => ListenOptions.FromCommandLine(["--urls", "http://127.0.0.l:8080"], null));
        Assert.Equal("'http://127.0.0.l:8080': '127.0.0.l' is not an IP address (names other than localhost are not resolved; '*' binds every address).", refused.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "'127.0.0.1:8080' is not an address to listen on: it needs its scheme, such as http://127.0.0.1:8080.")]
    [InlineData("https://127.0.0.1:8443", "'https://127.0.0.1:8443': Micro serves plain http:// (put TLS in front of it).")]
    [InlineData("unix:///tmp/app.sock", "'unix:///tmp/app.sock': Micro listens on http:// addresses only, such as http://127.0.0.1:8080.")]
    [InlineData("http://127.0.0.1:8080/api", "'http://127.0.0.1:8080/api': A path base can only be configured using IApplicationBuilder.UsePathBase().")]
    [InlineData("http://127.0.0.1:80800", "'http://127.0.0.1:80800' needs a port from 0 to 65535, such as http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:+80", "'http://127.0.0.1:+80' needs a port from 0 to 65535, such as http://127.0.0.1:8080")]
    public void An_address_that_cannot_be_listened_on_is_refused_saying_what_is_wrong_with_it(string url, string message)
    {
        var refused = Assert.Throws<ArgumentException>(() => ListenOptions.FromCommandLine(["--urls", url], null));
        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public async Task A_handler_that_writes_the_response_off_its_reactor_gets_a_500_that_names_the_problem_and_the_connection_lives()
    {
        var log = new RecordingLoggerProvider();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([log]);
        var app = new MicroApp(loggerFactory: factory);
        app.Get("/off", async (req, res) =>
        {
            await Task.Delay(1).ConfigureAwait(false); // now on a thread-pool thread, not the connection's reactor
            res.Send("raced");
        });
        app.Get("/", (req, res) => res.Send("alive"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var response = await client.GetAsync("/off");
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("alive", await client.GetStringAsync("/"));
        });
        var failure = Assert.Single(log.Entries, e => e.Exception is not null).Exception!;
        Assert.IsType<InvalidOperationException>(failure);
        Assert.StartsWith("The response was written from a thread other than its connection's reactor", failure.Message);
    }
}
