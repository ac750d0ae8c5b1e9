using System.Net;
using Micro.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Micro.Diagnostics;

/// <summary>
/// A health endpoint for load balancers and orchestrators: 200 "Healthy" while the app serves, 503 "Stopping" from the
/// moment a stop is asked for (through <see cref="MicroServerOptions.ShutdownDelay"/> and the graceful stop), so the
/// balancer stops sending new requests while those in flight finish; 200 "Degraded: ..." while a topic backplane
/// (Redis) cannot be reached, since the instance still serves. The app's registered health checks
/// (<c>builder.Services.AddHealthChecks().AddCheck(...)</c>) are run too, as ASP.NET Core's <c>MapHealthChecks</c>
/// runs them: 503 "Unhealthy" when one is unhealthy, 200 "Degraded" when one is degraded. And its client, for a
/// container's HEALTHCHECK.
/// </summary>
public static class Health
{
    /// <summary>
    /// Answers GET and HEAD on <paramref name="path"/> (default /healthz); never cached. <paramref name="predicate"/>
    /// chooses which registered checks run (<c>r =&gt; r.Tags.Contains("ready")</c> for a readiness probe;
    /// <c>_ =&gt; false</c> for a liveness probe that runs none); all of them when null. Checks that have not all
    /// answered within <paramref name="timeout"/> (10 s unless given; a registration's own Timeout applies within it)
    /// make the answer 503 "Unhealthy": a check that hangs must not hold every probe, and the connection, forever.
    /// </summary>
    public static MicroApp MapHealth(this MicroApp app, string path = "/healthz", Func<HealthCheckRegistration, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var bound = timeout ?? TimeSpan.FromSeconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bound, TimeSpan.Zero, nameof(timeout));
        // Looked for once, at the first probe: an app without AddHealthChecks (or without services) runs no checks.
        var checks = new Lazy<HealthCheckService?>(() => app.Services.GetService(typeof(HealthCheckService)) as HealthCheckService);
        app.Get(path, async (req, res) =>
        {
            res.Header("Cache-Control", "no-store");
            if (app.IsStopping)
            {
                res.Status(503).Send("Stopping");
                return;
            }
            var status = checks.Value is { } service ? await CheckAsync(service, predicate, bound, req.Aborted).ConfigureAwait(true) : HealthStatus.Healthy;
            if (status != HealthStatus.Healthy)
            {
                res.Status(status == HealthStatus.Unhealthy ? 503 : 200).Send(status.ToString()); // ASP.NET Core's codes and words
            }
            else if (app.Topics.Backplane is { Health: { IsConnected: false } backplane })
            {
                res.Send($"Degraded: {backplane.Description}"); // still 200: this instance serves, its topics reach its own subscribers
            }
            else
            {
                res.Send("Healthy");
            }
        });
        return app;
    }

    /// <summary>
    /// The registered checks' overall status, Unhealthy when they have not answered within <paramref name="timeout"/>
    /// (told to stop then). Back on the connection's reactor to answer (ConfigureAwait(true)): a handler writes there.
    /// </summary>
    private static async Task<HealthStatus> CheckAsync(HealthCheckService service, Func<HealthCheckRegistration, bool>? predicate, TimeSpan timeout, CancellationToken aborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(timeout);
        try
        {
            return (await service.CheckHealthAsync(predicate, deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(true)).Status;
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return HealthStatus.Unhealthy;
        }
    }

    /// <summary>
    /// Asks a running app for its health endpoint and returns a process exit code: 0 when it answers 200, else 1 (with
    /// the reason on standard error). Finds the app where <paramref name="args"/>, ASPNETCORE_URLS or
    /// ASPNETCORE_HTTP_PORTS say it listens, as the app itself does (an address of "any" is asked on loopback). For a
    /// Dockerfile's HEALTHCHECK: .NET's runtime images have no curl. <c>if (args.Contains("--health-check")) return await Health.ProbeAsync(args);</c>
    /// </summary>
    public static Task<int> ProbeAsync(string[] args, string path = "/healthz", TimeSpan? timeout = null) =>
        ProbeAsync(ListenOptions.FromCommandLine(args, Environment.GetEnvironmentVariable("ASPNETCORE_URLS"), Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")).EndPoints[0], path, timeout);

    /// <summary>
    /// As <see cref="ProbeAsync(string[], string, TimeSpan?)"/>, at <paramref name="endPoint"/>: the first of a built
    /// app's <c>ServerOptions.EndPoints</c>, which its configuration (appsettings.json too) decided.
    /// </summary>
    public static async Task<int> ProbeAsync(IPEndPoint endPoint, string path = "/healthz", TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : endPoint.Address;
        var url = new UriBuilder("http", address.ToString(), endPoint.Port, path).Uri;
        using var client = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync(url).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return 0;
            }
            await Console.Error.WriteLineAsync($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{url}: {exception.Message}").ConfigureAwait(false);
        }
        return 1;
    }
}
