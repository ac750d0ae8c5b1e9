using Microsoft.AspNetCore.Authorization;

namespace Micro.AspNetCore.Tests.InMicroApps;

/// <summary>
/// Two things ASP.NET Core's web host gives every request that application code takes for granted, in a Micro app:
/// middleware written as IMiddleware (<c>UseMiddleware&lt;T&gt;()</c>, made by the host's IMiddlewareFactory), and
/// IHttpContextAccessor (<c>AddHttpContextAccessor()</c>) giving the running request's context to the services, the
/// authorization handlers and the route behind <c>app.UseAspNetCore</c> or <c>Authorize</c>. Before, the first failed
/// every request with "No service for type IMiddlewareFactory", and the accessor gave null.
/// </summary>
public sealed class ContextAccessorTests
{
    private sealed class StampMiddleware : IMiddleware
    {
        public async Task InvokeAsync(HttpContext context, RequestDelegate next)
        {
            context.Response.Headers["X-Stamp"] = "stamped";
            await next(context);
        }
    }

    /// <summary>What a service of the app's (a "current user", an audit trail) reads through the accessor.</summary>
    private sealed class CurrentRequest(IHttpContextAccessor accessor)
    {
        public string Describe() => accessor.HttpContext is { } context ? $"{context.Request.Method} {context.Request.Path}" : "none";
    }

    [Fact]
    public async Task Middleware_written_as_IMiddleware_runs_in_front_of_the_routes()
    {
        await using var served = ServedMicroApp.Start(services => services.AddTransient<StampMiddleware>(), app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseMiddleware<StampMiddleware>());
            app.Get("/", (req, res) => res.Send("through"));
        });
        var response = await served.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("through", await response.Content.ReadAsStringAsync());
        Assert.Equal("stamped", response.Headers.GetValues("X-Stamp").Single());
    }

    [Fact]
    public async Task The_accessor_gives_the_running_request_to_middleware_services_and_the_route_and_nothing_once_it_ended()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<HttpContext?>? afterwards = null;
        await using var served = ServedMicroApp.Start(services => services.AddHttpContextAccessor().AddScoped<CurrentRequest>(), app =>
        {
            // Outside the ASP.NET Core pipeline: runs on once the request's pipeline, route and all, has finished.
            app.Use(async (req, res, next) =>
            {
                await next;
                released.TrySetResult();
            });
            app.UseAspNetCore(pipeline => pipeline.Use(async (context, next) =>
            {
                var accessor = context.RequestServices.GetRequiredService<IHttpContextAccessor>();
                context.Response.Headers["X-In-Middleware"] = ReferenceEquals(accessor.HttpContext, context) ? "same" : "not this request";
                await next(context);
            }));
            app.Get("/orders/:id", (req, res) =>
            {
                var accessor = req.Services.GetRequiredService<IHttpContextAccessor>();
                afterwards = Task.Run(async () =>
                {
                    await released.Task; // work the request started, going on after it ended
                    return accessor.HttpContext;
                });
                res.Send($"{req.Services.GetRequiredService<CurrentRequest>().Describe()} {ReferenceEquals(accessor.HttpContext, req.HttpContext)}");
            });
        });
        var response = await served.Client.GetAsync("/orders/7");
        Assert.Equal("GET /orders/7 True", await response.Content.ReadAsStringAsync());
        Assert.Equal("same", response.Headers.GetValues("X-In-Middleware").Single());
        Assert.Null(await afterwards!.WaitAsync(TimeSpan.FromSeconds(30))); // the pooled context is no longer offered
        Assert.Equal("GET /orders/8 True", await served.Client.GetStringAsync("/orders/8")); // the next request is its own
    }

    /// <summary>A requirement whose handler reads the request through the accessor, as resource-based handlers often do.</summary>
    private sealed class HeaderRequirement : IAuthorizationRequirement;

    private sealed class HeaderHandler(IHttpContextAccessor accessor) : AuthorizationHandler<HeaderRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, HeaderRequirement requirement)
        {
            if (accessor.HttpContext?.Request.Headers["X-Key"].ToString() == "open sesame")
            {
                context.Succeed(requirement);
            }
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task An_authorization_handler_on_a_route_reads_the_request_through_the_accessor()
    {
        await using var served = ServedMicroApp.Start(services =>
        {
            services.AddHttpContextAccessor();
            services.AddAuthentication().AddCookie();
            services.AddAuthorization(options => options.AddPolicy("keyed", policy => policy.AddRequirements(new HeaderRequirement())));
            services.AddSingleton<IAuthorizationHandler, HeaderHandler>();
        }, app => app.Get("/vault", Micro.AspNetCore.Authorization.Authorize("keyed"), (req, res) => res.Send("opened")));
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "/vault") { Headers = { { "X-Key", "open sesame" } } };
        Assert.Equal("opened", await (await served.Client.SendAsync(keyed)).Content.ReadAsStringAsync());
        using var unkeyed = new HttpRequestMessage(HttpMethod.Get, "/vault");
        Assert.NotEqual(HttpStatusCode.OK, (await served.Client.SendAsync(unkeyed)).StatusCode);
    }
}
