using Microsoft.AspNetCore.Builder;

namespace Micro.AspNetCore;

/// <summary>ASP.NET Core middleware in front of a Micro app's own routes.</summary>
public static class MicroAppAspNetCoreExtensions
{
    /// <summary>
    /// Runs ASP.NET Core middleware before every route of the app (after the middleware added before this call):
    /// <code>
    /// app.UseAspNetCore(pipeline => pipeline.UseAuthentication().UseRateLimiter());
    /// app.Get("/me", (req, res) => res.Json(new { name = req.User.Identity?.Name }));
    /// </code>
    /// What the middleware decides reaches the routes (<c>req.User</c>, <c>req.Items</c>, response headers); an answer
    /// of its own (a 401 challenge, a 429) is sent instead of the route's. Its services come from
    /// <c>builder.Services</c>. Every request then has an HttpContext (pooled with the request object); to keep the
    /// others free of it, put the pipeline on the routes that need it with <see cref="AspNetCore"/> instead.
    /// </summary>
    public static MicroApp UseAspNetCore(this MicroApp app, Action<IApplicationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(app.AspNetCore(configure));
        return app;
    }

    /// <summary>
    /// ASP.NET Core middleware as a Micro route middleware, for the routes that need it:
    /// <c>var limited = app.AspNetCore(p => p.UseRateLimiter()); app.Post("/login", limited, handler);</c>.
    /// </summary>
    public static Middleware AspNetCore(this MicroApp app, Action<IApplicationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new AspNetCorePipeline(app, configure).RunAsync;
    }
}
