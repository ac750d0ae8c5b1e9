using Microsoft.AspNetCore.Builder;

namespace Micro.AspNetCore;

/// <summary>
/// An ASP.NET Core middleware pipeline built once from the Micro app's services, run as a Micro middleware: its
/// terminal goes on into the Micro app's next middleware and route.
/// </summary>
internal sealed class AspNetCorePipeline
{
    private readonly RequestDelegate _pipeline;

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
    }

    public ValueTask RunAsync(Request request, Response response, Next next) => MicroRequestContext.For(request, response).RunAsync(_pipeline, next);
}
