using Micro.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro.Fuzz;

/// <summary>
/// The ASP.NET Core host's fuzz target, apart from <see cref="FuzzTargets.Names"/> because it needs Micro.AspNetCore:
/// compiled into Micro.Fuzz and Micro.AspNetCore.Tests (which replays its corpus), not into Micro.Tests.
/// </summary>
internal static partial class FuzzTargets
{
    public const string AspNetCoreName = "aspnet";

    private static readonly Lazy<(WebApplication App, Uri Address, ErrorCounter Errors)> AspNetCoreApp = new(StartAspNetCoreApp);

    /// <summary>
    /// A whole connection to an ASP.NET Core app (minimal APIs) on Micro, with ASP.NET Core's forwarded headers, CORS
    /// and response compression in front of endpoints that bind route and query values, read the body as a stream
    /// (as HttpArena's aspnet-minimal does), answer JSON and stream: the same invariants as the <c>app</c> target.
    /// </summary>
    public static void RunAspNetCore(byte[] input)
    {
        var (_, address, errors) = AspNetCoreApp.Value;
        var errorsBefore = errors.Count;
        var heads = new List<bool>();
        var body = new BodyNotes();
        var expected = ExpectedStatuses(input, heads, body, utf8Values: true);
        var responses = ParseResponses(Exchange(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, address.Port), input), heads);
        if (body.Refused || body.Pending)
        {
            // The app may answer this request before its body is read (as on Kestrel): with its own answer, not a server
            // error, and nothing after it; or, once it reads the body, with the body's error status. A body that never
            // ended may also get no answer at all.
            var answered = expected.Statuses.Count - (body.Refused ? 1 : 0);
            if (responses.Count == answered + 1)
            {
                var last = responses[^1];
                if (last.Status >= 500 && last.Status != 501 && !(body.Refused && last.Status == expected.Statuses[^1]))
                {
                    Fail($"the request whose body {(body.Refused ? "was refused" : "never ended")} was answered {last.Status}");
                }
                responses.RemoveAt(responses.Count - 1);
            }
            expected = ([.. expected.Statuses.Take(answered)], false);
        }
        CheckAnswers(responses, expected);
        if (errors.Count != errorsBefore)
        {
            Fail($"the app logged an error: {errors.Last}");
        }
    }

    private static (WebApplication, Uri, ErrorCounter) StartAspNetCoreApp()
    {
        var errors = new ErrorCounter();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(errors);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.UseMicro(options =>
        {
            options.Server.ReactorCount = 1;
            options.Server.MaxRequestBodySize = MaxBody;
            options.Server.ClientFinAbortsRequests = false; // the harness ends its input with a FIN: every request it sent is owed its answer
        });
        builder.Services.AddResponseCompression(options => options.EnableForHttps = true);
        builder.Services.AddCors(options => options.AddDefaultPolicy(policy => policy.WithOrigins("https://app.example").AllowCredentials().WithHeaders("X-Token")));
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost);
        var app = builder.Build();
        app.UseForwardedHeaders();
        app.UseResponseCompression();
        app.UseCors();
        app.MapGet("/", () => "Hello, World!");
        app.MapGet("/json", (HttpContext context) => Results.Json(new Reply(
            context.Connection.RemoteIpAddress?.ToString(), context.Request.Scheme, context.Request.Host.Value,
            context.Request.Headers.UserAgent.ToString(), context.Request.Headers.Count, context.Request.Cookies.Count)));
        app.MapGet("/items/{id:int}", (int id) => $"item {id}");
        app.MapGet("/sum", (int a, int b) => (long)a + b);
        app.MapGet("/stream", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            for (var i = 0; i < 3; i++)
            {
                await context.Response.WriteAsync("line of a stream\n");
                await context.Response.Body.FlushAsync();
            }
        });
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Text(await reader.ReadToEndAsync(), "text/plain");
        });
        app.Start();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address), errors);
    }
}
