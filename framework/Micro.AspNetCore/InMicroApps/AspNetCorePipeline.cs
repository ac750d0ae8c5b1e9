using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Micro.AspNetCore;

/// <summary>
/// An ASP.NET Core middleware pipeline built once from the Micro app's services, run as a Micro middleware: its
/// terminal goes on into the Micro app's next middleware and route.
/// </summary>
internal sealed class AspNetCorePipeline
{
    private static readonly Action<ILogger, string, Exception?> s_responseBodyReplaced = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(1, "ResponseBodyReplaced"),
        "ASP.NET Core middleware in this Micro app put a response body of its own in place ({Feature}) before the Micro route: "
        + "the route's answer does not go through it, and goes out as the route made it (a capture of it stays empty, nothing compresses it). "
        + "Capture or change a route's answer in a Micro middleware; compress with Micro's UseCompression. Said once for this pipeline.");

    private static readonly Action<ILogger, string, Exception?> s_requestRewritten = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(2, "RequestRewritten"),
        "ASP.NET Core middleware in this Micro app changed the request's method or path ({Change}) before the Micro route: "
        + "Micro chose the route from the request as it was sent, so the change does not take it to another route (UseRewriter's rewrite rules, UsePathBase). "
        + "Redirect instead (AddRedirect), or route the path as sent. Said once for this pipeline.");

    private readonly RequestDelegate _pipeline;
    private int _rewriteSaid;
    private readonly ILogger? _logger;
    private int _bodyReplacementSaid;

    public AspNetCorePipeline(MicroApp app, Action<IApplicationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (app.ScopeFactory is null)
        {
            throw new InvalidOperationException(
                "ASP.NET Core middleware needs the app's services: build the app with MicroApp.CreateBuilder(args), add what the middleware needs to builder.Services (AddAuthentication, AddAuthorization, AddRateLimiter...), then builder.Build().");
        }
        var builder = new ApplicationBuilder(app.Services);
        configure(builder);
        builder.Run(MicroRequestContext.GoOnInMicro);
        _pipeline = builder.Build();
        _logger = app.LoggerFactory?.CreateLogger("Micro.AspNetCore");
        Accessor = app.Services.GetService(typeof(IHttpContextAccessor)) as IHttpContextAccessor;
    }

    /// <summary>The app's IHttpContextAccessor when it registered one (AddHttpContextAccessor): it gives the running request's context.</summary>
    public IHttpContextAccessor? Accessor { get; }

    public ValueTask RunAsync(Request request, Response response, Next next) => MicroRequestContext.For(request, response).RunAsync(_pipeline, next, this);

    /// <summary>A middleware changed the request's method or path before the route, which it does not re-route: said once.</summary>
    public void NoteRequestRewritten(string change)
    {
        if (_logger is not null && Interlocked.Exchange(ref _rewriteSaid, 1) == 0)
        {
            s_requestRewritten(_logger, change, null);
        }
    }

    /// <summary>A middleware put a response body of its own in place before the route: a mistake said once, not per request.</summary>
    public void NoteResponseBodyReplaced(object feature)
    {
        if (_logger is not null && Interlocked.Exchange(ref _bodyReplacementSaid, 1) == 0)
        {
            s_responseBodyReplaced(_logger, feature.GetType().FullName ?? feature.GetType().Name, null);
        }
    }
}
