using Micro.Compression;
using Micro.Cors;

namespace Micro.Tests.App;

/// <summary>
/// Middleware that serves a request up front (<see cref="IUpFrontStep"/>): passed by the pipeline without a layer,
/// in its place in the order, and a layer again when it declines. Then the middleware built on it, over real sockets.
/// </summary>
public sealed class UpFrontStepTests
{
    /// <summary>A middleware that records how it ran: up front, or as a layer around the rest.</summary>
    private sealed class RecordingStep(List<string> trace, bool servesUpFront) : IUpFrontStep
    {
        public bool ServeUpFront(Request req, Response res)
        {
            trace.Add(servesUpFront ? "step up front" : "step asked");
            return servesUpFront;
        }

        public async ValueTask Invoke(Request req, Response res, Next next)
        {
            trace.Add("step before");
            await next;
            trace.Add("step after");
        }
    }

    private static MicroApp Traced(List<string> trace, bool servesUpFront)
    {
        var app = new MicroApp();
        app.Use(async (req, res, next) =>
        {
            trace.Add("first before");
            await next;
            trace.Add("first after");
        });
        app.Use(new RecordingStep(trace, servesUpFront).Invoke);
        app.Use((req, res, next) =>
        {
            trace.Add("last");
            return next.Invoke();
        });
        app.Get("/", (req, res) =>
        {
            trace.Add("route");
            res.Send("ok");
        });
        return app;
    }

    [Fact]
    public async Task A_step_served_up_front_keeps_its_place_in_the_order_and_is_never_called_as_a_layer()
    {
        var trace = new List<string>();
        await TestApp.RunAsync(Traced(trace, servesUpFront: true), async (client, _) =>
        {
            Assert.Equal("ok", await client.GetStringAsync("/"));
        });
        Assert.Equal(["first before", "step up front", "last", "route", "first after"], trace);
    }

    [Fact]
    public async Task A_step_that_declines_runs_as_a_layer_around_the_rest()
    {
        var trace = new List<string>();
        await TestApp.RunAsync(Traced(trace, servesUpFront: false), async (client, _) =>
        {
            Assert.Equal("ok", await client.GetStringAsync("/"));
        });
        Assert.Equal(["first before", "step asked", "step before", "last", "route", "step after", "first after"], trace);
    }

    [Fact]
    public async Task Compression_and_CORS_served_up_front_or_as_layers_each_say_their_Vary_once()
    {
        var app = new MicroApp().UseCompression(o => o.MinimumSize = 0).UseCors(p => p.WithOrigins("https://app.example"));
        app.Get("/text", (req, res) => res.Header("X-Own", "1").Send("hello"));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            // Neither acts (both up front), CORS acts, compression acts, both act, and a HEAD that neither acts on.
            (HttpMethod Method, bool Gzip, bool Origin)[] cases =
                [(HttpMethod.Get, false, false), (HttpMethod.Get, false, true), (HttpMethod.Get, true, false), (HttpMethod.Get, true, true), (HttpMethod.Head, false, false)];
            foreach (var (method, gzip, origin) in cases)
            {
                using var request = new HttpRequestMessage(method, "/text");
                if (gzip)
                {
                    request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
                }
                if (origin)
                {
                    request.Headers.TryAddWithoutValidation("Origin", "https://app.example");
                }
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("1", Assert.Single(response.Headers.GetValues("X-Own")));
                Assert.Equal(["Accept-Encoding", "Origin"], response.Headers.Vary.Order(StringComparer.Ordinal));
                Assert.Equal(gzip && method == HttpMethod.Get ? ["gzip"] : [], response.Content.Headers.ContentEncoding);
                Assert.Equal(origin ? "https://app.example" : null, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var allowed) ? Assert.Single(allowed) : null);
            }
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/text");
            preflight.Headers.TryAddWithoutValidation("Origin", "https://app.example");
            preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "GET");
            using var answer = await client.SendAsync(preflight);
            Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode); // never reaches the route
            Assert.Equal(["Origin"], answer.Headers.Vary);
        });
    }
}
