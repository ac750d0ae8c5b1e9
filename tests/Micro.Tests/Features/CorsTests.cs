using Micro.Cors;

namespace Micro.Tests.Features;

/// <summary>CORS over real sockets, judged by the browser's rules (<see cref="BrowserCors"/>).</summary>
public sealed class CorsTests
{
    private const string App = "https://app.example";
    private const string Evil = "https://evil.example";

    private static (MicroApp App, Func<int> RouteRuns) Server(Action<Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder> policy)
    {
        var runs = 0;
        var app = new MicroApp().UseCors(policy);
        app.Get("/items", (req, res) =>
        {
            Interlocked.Increment(ref runs);
            res.Header("X-Total", "3").Json(new[] { 1, 2, 3 });
        });
        app.Put("/items/:id", (req, res) =>
        {
            Interlocked.Increment(ref runs);
            res.Send("put");
        });
        return (app, () => runs);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string origin, params (string, string)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Origin", origin);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    [Fact]
    public async Task A_simple_request_from_an_allowed_origin_is_readable_and_from_another_is_not()
    {
        var (app, _) = Server(p => p.WithOrigins(App).WithExposedHeaders("X-Total"));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var allowed = await client.SendAsync(Request(HttpMethod.Get, "/items", App));
            Assert.True(BrowserCors.PassesCorsCheck(allowed, App, credentials: false));
            Assert.True(BrowserCors.ExposesHeader(allowed, "X-Total", credentials: false));
            Assert.Contains("Origin", allowed.Headers.Vary);
            var refused = await client.SendAsync(Request(HttpMethod.Get, "/items", Evil));
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the server answers; the browser withholds it
            Assert.False(BrowserCors.PassesCorsCheck(refused, Evil, credentials: false));
            var sameOrigin = await client.GetAsync("/items");
            Assert.False(sameOrigin.Headers.Contains("Access-Control-Allow-Origin"));
            Assert.Contains("Origin", sameOrigin.Headers.Vary); // a cache must not serve this to a cross-origin request
        });
    }

    [Fact]
    public async Task A_preflight_is_answered_without_reaching_the_route_and_lets_only_what_the_policy_allows()
    {
        var (app, runs) = Server(p => p.WithOrigins(App).WithMethods("PUT").WithHeaders("X-Request-Id", "Content-Type").SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var preflight = await client.SendAsync(Request(HttpMethod.Options, "/items/7", App,
                ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-request-id, content-type")));
            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.True(BrowserCors.PreflightAllows(preflight, App, credentials: false, "PUT", "X-Request-Id", "Content-Type"));
            // Content-Type asked for (its value is not safelisted, say application/json) but not in the policy: not
            // granted (issue 20: it was, as if it were always safelisted).
            var (strict, _) = Server(p => p.WithOrigins(App).WithMethods("PUT").WithHeaders("X-Request-Id"));
            await TestApp.RunAsync(strict, async (strictClient, _) =>
            {
                var json = await strictClient.SendAsync(Request(HttpMethod.Options, "/items/7", App,
                    ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-request-id, content-type")));
                Assert.False(BrowserCors.PreflightAllows(json, App, false, "PUT", "X-Request-Id", "Content-Type"));
                Assert.False(json.Headers.Contains("Access-Control-Allow-Headers"));
                var post = await strictClient.SendAsync(Request(HttpMethod.Options, "/items", App,
                    ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")));
                Assert.False(BrowserCors.PreflightAllows(post, App, false, "POST", "Content-Type"));
            });
            Assert.Equal("600", preflight.Headers.GetValues("Access-Control-Max-Age").Single());
            // A header the policy does not name, a method it does not allow, an origin it does not know.
            var header = await client.SendAsync(Request(HttpMethod.Options, "/items/7", App, ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "X-Secret")));
            Assert.False(BrowserCors.PreflightAllows(header, App, false, "PUT", "X-Secret"));
            var method = await client.SendAsync(Request(HttpMethod.Options, "/items/7", App, ("Access-Control-Request-Method", "DELETE")));
            Assert.False(BrowserCors.PreflightAllows(method, App, false, "DELETE"));
            var origin = await client.SendAsync(Request(HttpMethod.Options, "/items/7", Evil, ("Access-Control-Request-Method", "PUT")));
            Assert.False(BrowserCors.PreflightAllows(origin, Evil, false, "PUT"));
            // Answered even where no route serves OPTIONS (no 405) or no route exists at all (no 404).
            var unrouted = await client.SendAsync(Request(HttpMethod.Options, "/nowhere", App, ("Access-Control-Request-Method", "PUT")));
            Assert.Equal(HttpStatusCode.NoContent, unrouted.StatusCode);
            Assert.Equal(0, runs());
        });
    }

    [Fact]
    public async Task With_credentials_the_origin_is_echoed_never_a_star_and_credentials_are_allowed()
    {
        var (app, _) = Server(p => p.SetIsOriginAllowed(origin => origin.EndsWith(".app.example", StringComparison.Ordinal)).AllowAnyMethod().AllowAnyHeader().AllowCredentials());
        await TestApp.RunAsync(app, async (client, _) =>
        {
            const string tenant = "https://tenant.app.example";
            var response = await client.SendAsync(Request(HttpMethod.Get, "/items", tenant));
            Assert.Equal(tenant, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.True(BrowserCors.PassesCorsCheck(response, tenant, credentials: true));
            var preflight = await client.SendAsync(Request(HttpMethod.Options, "/items/1", tenant,
                ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "authorization")));
            Assert.True(BrowserCors.PreflightAllows(preflight, tenant, credentials: true, "PUT", "Authorization"));
            Assert.False(BrowserCors.PassesCorsCheck(await client.SendAsync(Request(HttpMethod.Get, "/items", Evil)), Evil, true));
        });
    }

    [Fact]
    public async Task Any_origin_without_credentials_is_a_star()
    {
        var (app, _) = Server(p => p.AllowAnyOrigin());
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var response = await client.SendAsync(Request(HttpMethod.Get, "/items", Evil));
            Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.True(BrowserCors.PassesCorsCheck(response, Evil, credentials: false));
            Assert.False(BrowserCors.PassesCorsCheck(response, Evil, credentials: true)); // a browser sending cookies refuses a star
            Assert.False(response.Headers.Contains("Vary"));
        });
    }

    [Fact]
    public void A_policy_that_would_combine_credentials_with_any_origin_or_allows_nothing_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => new MicroApp().UseCors(p => p.AllowAnyOrigin().AllowCredentials()));
        var empty = Assert.Throws<InvalidOperationException>(() => new MicroApp().UseCors(p => p.AllowAnyMethod()));
        Assert.StartsWith("The CORS policy allows no origin", empty.Message);
    }
}
