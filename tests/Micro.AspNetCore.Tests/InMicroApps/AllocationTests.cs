using Microsoft.AspNetCore.Authentication.JwtBearer;
using static Micro.AspNetCore.Authorization;

namespace Micro.AspNetCore.Tests.InMicroApps;

[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>
/// Issue 22, part 2: ASP.NET Core in a Micro app costs nothing to the routes that do not use it. Counted with the
/// runtime's allocation counter on the reactor thread, around 10,000 pipelined requests on one connection.
/// </summary>
[Collection(nameof(AllocationTests))]
public sealed class AllocationTests
{
    private const int Measured = 10_000;

    [Fact]
    public async Task A_route_beside_authorized_and_pipelined_ones_keeps_its_zero_allocation_path()
    {
        await using var served = ServedMicroApp.Start(services =>
        {
            services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
            services.AddAuthorization();
            services.AddRateLimiter(_ => { });
        }, app =>
        {
            var limited = app.AspNetCore(pipeline => pipeline.UseAuthentication().UseRateLimiter());
            app.Get("/admin", [limited, Authorize()], (req, res) => res.Send("admin"u8));
            app.Get("/plaintext", (req, res) => res.Header("Content-Type", "text/plain").Send("Hello, World!"u8));
            app.Get("/mark", _marks.Handler);
        });
        await using var client = await RawHttpClient.ConnectAsync(served.Url);
        await SendPipelinedAsync(client, "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n", 100); // the other routes run (and answer 401)
        // Anything allocated per request would be at least 24 bytes times 10,000; what remains is the once-a-second Date refresh.
        Assert.InRange(await AllocatedOnTheReactorAsync(client, "/plaintext"), 0, 4_096);
    }

    [Fact]
    public async Task The_pooled_HttpContext_of_a_pipeline_that_only_passes_through_costs_no_allocation_per_request()
    {
        await using var served = ServedMicroApp.Start(_ => { }, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.Use((context, next) =>
            {
                context.Response.Headers["X-Frame-Options"] = "DENY";
                return next(context);
            }));
            app.Get("/plaintext", (req, res) => res.Send("Hello, World!"u8));
            app.Get("/mark", _marks.Handler);
        });
        await using var client = await RawHttpClient.ConnectAsync(served.Url);
        Assert.InRange(await AllocatedOnTheReactorAsync(client, "/plaintext"), 0, 4_096);
    }

    /// <summary>The reactor thread's allocation counter, read by the app's /mark route (the same connection, so the same reactor).</summary>
    private sealed class MarkRoute
    {
        private readonly long[] _marks = new long[2];
        private int _marked;

        public void Handler(Request req, Response res)
        {
            _marks[_marked++ % 2] = GC.GetAllocatedBytesForCurrentThread();
            res.Send("marked"u8);
        }

        public long Between => _marks[1] - _marks[0];
    }

    private readonly MarkRoute _marks = new();

    /// <summary>Bytes the reactor allocates across 10,000 pipelined requests for <paramref name="path"/>, after a warm-up of 2,000.</summary>
    private async Task<long> AllocatedOnTheReactorAsync(RawHttpClient client, string path)
    {
        var request = $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n";
        await SendPipelinedAsync(client, request, 2_000);
        await SendPipelinedAsync(client, "GET /mark HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        await SendPipelinedAsync(client, request, Measured);
        await SendPipelinedAsync(client, "GET /mark HTTP/1.1\r\nHost: x\r\n\r\n", 1);
        return _marks.Between;
    }

    private static async Task SendPipelinedAsync(RawHttpClient client, string request, int count)
    {
        var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(request, 100)));
        for (var sent = 0; sent < count; sent += 100)
        {
            var now = Math.Min(100, count - sent);
            await client.SendAsync(batch.AsMemory(0, now * request.Length).ToArray());
            for (var i = 0; i < now; i++)
            {
                await client.ReadResponseAsync();
            }
        }
    }
}
