using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Rewrite;

namespace Micro.AspNetCore.Tests.InMicroApps;

/// <summary>
/// Issue 22, part 2: what ASP.NET Core middleware in a Micro app produces is handed over: an answer of its own (status,
/// headers, a body whole or streamed) instead of the route's, or headers and callbacks around the route's answer.
/// </summary>
public sealed class HandOverTests
{
    private static void NoServices(IServiceCollection services)
    {
    }

    /// <summary>A global limiter of <paramref name="permits"/> requests an hour, answering 429 past it.</summary>
    private static void AddFixedWindow(IServiceCollection services, int permits,
        Func<Microsoft.AspNetCore.RateLimiting.OnRejectedContext, CancellationToken, ValueTask>? onRejected = null) => services.AddRateLimiter(options =>
    {
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ =>
            RateLimitPartition.GetFixedWindowLimiter("all", _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromHours(1) }));
        options.RejectionStatusCode = 429;
        options.OnRejected = onRejected;
    });

    [Fact]
    public async Task The_rate_limiter_answers_429_with_its_own_body_and_the_routes_answer_below_the_limit()
    {
        await using var served = ServedMicroApp.Start(services => AddFixedWindow(services, permits: 2,
            (context, token) => new ValueTask(context.HttpContext.Response.WriteAsync("slow down", token))), app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseRateLimiter());
            app.Get("/", (req, res) => res.Send("ok"));
        });
        Assert.Equal("ok", await served.Client.GetStringAsync("/"));
        Assert.Equal("ok", await served.Client.GetStringAsync("/"));
        var limited = await served.Client.GetAsync("/");
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.Equal("slow down", await limited.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_pipeline_on_one_route_leaves_the_others_alone()
    {
        await using var served = ServedMicroApp.Start(services => AddFixedWindow(services, permits: 1), app =>
        {
            var limited = app.AspNetCore(pipeline => pipeline.UseRateLimiter());
            app.Post("/login", limited, (req, res) => res.Send("welcome"));
            app.Get("/free", (req, res) => res.Send("free"));
        });
        Assert.Equal("welcome", await (await served.Client.PostAsync("/login", null)).Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode)429, (await served.Client.PostAsync("/login", null)).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("free", await served.Client.GetStringAsync("/free"));
        }
    }

    [Fact]
    public async Task A_middleware_answering_with_json_sends_it_whole_with_its_type_and_length()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use(async (context, next) =>
            {
                if (context.Request.Headers["X-Api-Key"] != "secret")
                {
                    context.Response.StatusCode = 401;
                    await context.Response.WriteAsJsonAsync(new { title = "Missing API key", status = 401 }, options: null, contentType: "application/problem+json");
                    return;
                }
                await next(context);
            }));
            app.Get("/data", (req, res) => res.Json(new { value = 42 }));
        });
        var refused = await served.Client.GetAsync("/data");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal("""{"title":"Missing API key","status":401}""", body);
        Assert.Equal(body.Length, refused.Content.Headers.ContentLength);

        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/data");
        allowed.Headers.Add("X-Api-Key", "secret");
        Assert.Equal("""{"value":42}""", await (await served.Client.SendAsync(allowed)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_large_body_from_middleware_streams_and_arrives_whole()
    {
        var large = new string('x', 300_000);
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Run(context => context.Response.WriteAsync(large)));
        });
        var response = await served.Client.GetAsync("/anything");
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal(large, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_declared_Content_Length_is_kept_and_a_body_that_does_not_match_it_is_an_error()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Run(async context =>
            {
                context.Response.ContentLength = context.Request.Path.StartsWithSegments("/short") ? 10 : 5;
                if (context.Request.Path.StartsWithSegments("/started"))
                {
                    await context.Response.WriteAsync("hello"); // starts the response: its head goes out with Content-Length: 5
                }
                else
                {
                    await context.Response.Body.WriteAsync("hello"u8.ToArray()); // kept, and checked when the pipeline is done
                }
            }));
        });
        var right = await served.Client.GetAsync("/right");
        Assert.Equal(5, right.Content.Headers.ContentLength);
        Assert.Equal("hello", await right.Content.ReadAsStringAsync());
        var started = await served.Client.GetAsync("/started");
        Assert.Equal(5, started.Content.Headers.ContentLength);
        Assert.Equal("hello", await started.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.InternalServerError, (await served.Client.GetAsync("/short")).StatusCode);
        Assert.Contains(served.Logs.Entries, entry => entry.Exception?.Message.Contains("Content-Length mismatch", StringComparison.Ordinal) == true);
        // Started with Content-Length: 10 and ended after 5: the only way to tell the client is to close the connection.
        await Assert.ThrowsAsync<HttpRequestException>(() => served.Client.GetStringAsync("/short/started"));
    }

    [Fact]
    public async Task Headers_and_OnStarting_callbacks_reach_the_routes_answer_sent_whole_or_streamed()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use(async (context, next) =>
            {
                context.Response.Headers["X-Frame-Options"] = "DENY";
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers["X-Status-Seen"] = context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Task.CompletedTask;
                });
                await next(context);
                context.Response.Headers.Append("X-After", context.Response.Headers["X-Route"]);
            }));
            app.Get("/whole", (req, res) => res.Status(201).Header("X-Route", "whole").Send(req.HttpContext.Response.Headers["X-Frame-Options"].ToString()));
            app.Get("/streamed", async (req, res) =>
            {
                res.Status(202);
                await res.WriteAsync("first ");
                await res.WriteAsync("second");
            });
        });
        var whole = await served.Client.GetAsync("/whole");
        Assert.Equal(HttpStatusCode.Created, whole.StatusCode);
        Assert.Equal("DENY", await whole.Content.ReadAsStringAsync());
        Assert.Equal("DENY", whole.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("201", whole.Headers.GetValues("X-Status-Seen").Single());
        Assert.Equal("whole", whole.Headers.GetValues("X-After").Single());

        var streamed = await served.Client.GetAsync("/streamed");
        Assert.Equal("first second", await streamed.Content.ReadAsStringAsync());
        Assert.Equal("202", streamed.Headers.GetValues("X-Status-Seen").Single());
        Assert.Equal("DENY", streamed.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Req_HttpContext_is_the_same_request_both_ways()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use((context, next) =>
            {
                context.Items["tenant"] = context.Request.Headers["X-Tenant"].ToString();
                return next(context);
            }));
            app.Post("/orders/:id", async (req, res) =>
            {
                var context = req.HttpContext;
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                context.Response.Headers["X-Echo"] = context.Request.Query["q"];
                res.Send($"{req.Items["tenant"]}|{context.Request.Method}|{context.Request.Path}|{context.Request.RouteValues["id"]}|{context.Request.QueryString}|{body}|{context.Connection.RemoteIpAddress}|{context.Connection.Id}");
            });
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders/42?q=x%20y") { Content = new StringContent("payload") };
        request.Headers.Add("X-Tenant", "acme");
        var response = await served.Client.SendAsync(request);
        var answer = (await response.Content.ReadAsStringAsync()).Split('|');
        Assert.Equal("acme|POST|/orders/42|42|?q=x%20y|payload|127.0.0.1", string.Join('|', answer[..^1]));
        Assert.Matches("^0[1-9A-V][0-9A-V]{11}$", answer[^1]); // Kestrel's form of an id numbered from the clock
        Assert.Equal("x y", response.Headers.GetValues("X-Echo").Single());
    }

    [Fact]
    public async Task Pipelined_requests_have_trace_identifiers_of_their_own()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use((context, next) => next(context)));
            app.Get("/trace", (req, res) => res.Send(req.HttpContext.TraceIdentifier));
        });
        await using var client = await RawHttpClient.ConnectAsync(served.Url);
        await client.SendAsync(string.Concat(Enumerable.Repeat("GET /trace HTTP/1.1\r\nHost: x\r\n\r\n", 8)));
        var identifiers = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            identifiers.Add((await client.ReadResponseAsync()).Body);
        }
        Assert.Equal(8, identifiers.Distinct().Count()); // read in one batch, within one millisecond: each its own
        Assert.Single(identifiers.Select(identifier => identifier.Split(':')[0]).Distinct()); // one connection
    }

    [Fact]
    public async Task A_throwing_middleware_answers_500_and_the_connection_serves_the_next_request()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use((context, next) =>
                context.Request.Path == "/boom" ? throw new InvalidOperationException("middleware failed") : next(context)));
            app.Get("/boom", (req, res) => res.Send("never"));
            app.Get("/fine", (req, res) => res.Send("fine"));
        });
        await using var client = await RawHttpClient.ConnectAsync(served.Url);
        await client.SendAsync("GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);
        Assert.Equal("fine", (await client.ReadResponseAsync()).Body);
        Assert.Contains(served.Logs.Entries, entry => entry.Exception?.Message == "middleware failed");
    }

    [Fact]
    public async Task A_header_value_that_would_split_the_response_is_refused_not_sent()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use((context, next) =>
            {
                context.Response.Headers["X-Echo"] = context.Request.Query["v"]; // a careless echo of client input
                return next(context);
            }));
            app.Get("/", (req, res) => res.Send("ok"));
        });
        var injected = await served.Client.GetAsync("/?v=a%0D%0ASet-Cookie:%20session=stolen");
        Assert.Equal(HttpStatusCode.InternalServerError, injected.StatusCode);
        Assert.False(injected.Headers.Contains("Set-Cookie"));
        Assert.Equal("ok", await served.Client.GetStringAsync("/?v=plain"));
    }

    private static long s_captured = -1;

    /// <summary>A response logger as written for ASP.NET Core: the body swapped for a MemoryStream, then copied out.</summary>
    private static async Task CaptureResponse(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var capture = new MemoryStream();
        context.Response.Body = capture;
        await next(context);
        Interlocked.Exchange(ref s_captured, capture.Length);
        capture.Position = 0;
        await capture.CopyToAsync(original);
        context.Response.Body = original;
    }

    [Fact]
    public async Task A_response_body_a_middleware_puts_in_place_does_not_get_the_routes_answer_and_that_is_said_once()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use(CaptureResponse));
            app.Get("/", (req, res) => res.Send("the route's answer"));
        });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("the route's answer", await served.Client.GetStringAsync("/")); // whole, and once: not lost, not doubled
            Assert.Equal(0, Interlocked.Read(ref s_captured));
        }
        Assert.Single(served.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("put a response body of its own in place", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_path_a_middleware_rewrites_does_not_reroute_and_that_is_said_once_while_a_path_base_split_is_quiet()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline
                .UseRewriter(new RewriteOptions().AddRewrite("^old$", "new", skipRemainingRules: true))
                .UsePathBase("/api"));
            app.Get("/old", (req, res) => res.Send("the route for the path as sent"));
            app.Get("/new", (req, res) => res.Send("the rewritten path's route"));
            app.Get("/api/items", (req, res) => res.Send($"items {req.HttpContext.Request.PathBase} {req.HttpContext.Request.Path}"));
        });
        Assert.Equal("items /api /items", await served.Client.GetStringAsync("/api/items")); // moved to the base, not changed
        Assert.DoesNotContain(served.Logs.Entries, entry => entry.Level == LogLevel.Warning);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("the route for the path as sent", await served.Client.GetStringAsync("/old"));
        }
        var warning = Assert.Single(served.Logs.Entries, entry => entry.Level == LogLevel.Warning);
        Assert.Contains("(GET /old -> GET /new)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("does not take it to another route", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseAspNetCore_on_an_app_without_services_names_what_to_do()
    {
        var app = new MicroApp();
        var error = Assert.Throws<InvalidOperationException>(() => app.UseAspNetCore(pipeline => pipeline.UseRateLimiter()));
        Assert.Contains("MicroApp.CreateBuilder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synchronous_writes_are_refused_unless_allowed_as_on_Kestrel()
    {
        await using var served = ServedMicroApp.Start(NoServices, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Run(context =>
            {
                if (context.Request.Path == "/allowed")
                {
                    context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
                }
                context.Response.Body.Write(Encoding.ASCII.GetBytes("sync"));
                return Task.CompletedTask;
            }));
        });
        Assert.Equal("sync", await served.Client.GetStringAsync("/allowed"));
        Assert.Equal(HttpStatusCode.InternalServerError, (await served.Client.GetAsync("/refused")).StatusCode);
        Assert.Contains(served.Logs.Entries, entry => entry.Exception?.Message.Contains("Synchronous operations are disallowed", StringComparison.Ordinal) == true);
    }
}
