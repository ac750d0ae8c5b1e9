using Micro.Diagnostics;
using Micro.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Features;

public sealed class HealthAndRequestLogTests
{
    /// <summary>
    /// The checks an app registers decide its health answer, as with ASP.NET Core's MapHealthChecks: the same checks,
    /// served by a Micro app and by a WebApplication on Kestrel, give the same status and words on a readiness path
    /// (the checks tagged "ready") and a liveness path (none). Before, MapHealth answered 200 "Healthy" with a
    /// database check failing.
    /// </summary>
    [Theory]
    [InlineData(HealthStatus.Healthy)]
    [InlineData(HealthStatus.Degraded)]
    [InlineData(HealthStatus.Unhealthy)]
    public async Task Registered_checks_decide_the_answer_as_with_ASP_NET_Cores_MapHealthChecks(HealthStatus database)
    {
        void Register(IServiceCollection services) => services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy())
            .AddCheck("database", () => new HealthCheckResult(database, "as the test says"), tags: ["ready"])
            .AddCheck("cache", () => throw new InvalidOperationException("unreachable"), tags: ["cache"]);
        var builder = MicroApp.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        Register(builder.Services);
        await using var micro = builder.Build();
        micro.MapHealth("/ready", check => check.Tags.Contains("ready")).MapHealth("/live", _ => false).MapHealth("/cache", check => check.Tags.Contains("cache"));
        await micro.StartAsync();
        var web = WebApplication.CreateBuilder();
        web.WebHost.UseUrls("http://127.0.0.1:0");
        Register(web.Services);
        await using var kestrel = web.Build();
        kestrel.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        kestrel.MapHealthChecks("/live", new HealthCheckOptions { Predicate = _ => false });
        kestrel.MapHealthChecks("/cache", new HealthCheckOptions { Predicate = check => check.Tags.Contains("cache") });
        await kestrel.StartAsync();

        using var client = new HttpClient();
        foreach (var path in new[] { "/ready", "/live", "/cache" })
        {
            var expected = await client.GetAsync(kestrel.Urls.First() + path);
            var actual = await client.GetAsync(micro.Urls.First() + path);
            Assert.Equal((path, expected.StatusCode, await expected.Content.ReadAsStringAsync()), (path, actual.StatusCode, await actual.Content.ReadAsStringAsync()));
        }
        Assert.Equal(database == HealthStatus.Unhealthy ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, (await client.GetAsync(micro.Urls.First() + "/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(micro.Urls.First() + "/cache")).StatusCode); // a check that throws is unhealthy
        await kestrel.StopAsync();
    }

    [Fact]
    public async Task A_check_that_never_answers_makes_the_probe_unhealthy_when_its_time_is_up_rather_than_holding_it()
    {
        var builder = MicroApp.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        var stuck = new TaskCompletionSource<HealthCheckResult>(); // never completed, and deaf to its token: a careless check
        builder.Services.AddHealthChecks().AddAsyncCheck("stuck", _ => stuck.Task, tags: ["stuck"]);
        await using var app = builder.Build();
        app.MapHealth("/ready", check => check.Tags.Contains("stuck"), timeout: TimeSpan.FromMilliseconds(200)).MapHealth("/live", _ => false);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        var probes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.GetAsync("/ready")));
        Assert.All(probes, probe => Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode));
        Assert.Equal("Unhealthy", await probes[0].Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await client.GetStringAsync("/live")); // the app still serves
        Assert.Throws<ArgumentOutOfRangeException>(() => new MicroApp().MapHealth("/zero", timeout: TimeSpan.Zero));
    }

    [Fact]
    public async Task Health_is_200_while_serving_and_503_once_a_stop_begins()
    {
        var app = new MicroApp().MapHealth();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Get("/slow", async (req, res) =>
        {
            await release.Task;
            res.Send("done");
        });
        app.Listen(0);
        var url = new Uri($"http://{app.EndPoints[0]}");
        using (var client = new HttpClient { BaseAddress = url })
        {
            var healthy = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            Assert.Equal("Healthy", await healthy.Content.ReadAsStringAsync());
            Assert.Equal("no-store", healthy.Headers.CacheControl!.ToString());
            var slow = client.GetStringAsync("/slow");          // keeps the stop waiting
            await using var probe = await TestApp.ConnectAsync(url);
            await probe.SendAsync("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, (await probe.ReadResponsesAsync(1))[0].Status);
            Assert.False(app.IsStopping);
            var stopping = app.StopAsync();
            Assert.True(app.IsStopping);                       // set when the stop begins, before anything closes
            release.SetResult();
            Assert.Equal("done", await slow);
            await stopping;
        }
    }

    [Fact]
    public async Task During_a_stop_a_request_pipelined_behind_one_in_flight_is_answered_503_and_only_the_last_response_says_close()
    {
        var app = new MicroApp().MapHealth();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Use((req, res, next) =>
        {
            if (req.Path == "/healthz")
            {
                probed.TrySetResult(); // the probe is in line behind the slow request
            }
            return next.Invoke();
        });
        app.Get("/slow", async (req, res) =>
        {
            started.SetResult();
            await release.Task;
            res.Send("done");
        });
        app.Listen(0);
        await using var client = await TestApp.ConnectAsync(new Uri($"http://{app.EndPoints[0]}"));
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task;
        var stopping = app.StopAsync();                      // the balancer's next probe comes on a busy connection
        await client.SendAsync("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        await probed.Task;
        release.SetResult();
        var text = await client.ReadToEndAsync();           // both answers, then the server closes
        await stopping;
        var responses = RawResponse.ParseAll(System.Text.Encoding.Latin1.GetBytes(text), out _);
        Assert.Equal(2, responses.Count);
        Assert.Equal((200, "done"), (responses[0].Status, responses[0].Body));
        Assert.False(responses[0].Headers.ContainsKey("Connection"));
        Assert.Equal((503, "Stopping"), (responses[1].Status, responses[1].Body));
        Assert.Equal("close", responses[1].Headers["Connection"]);
    }

    [Fact]
    public async Task During_the_shutdown_delay_the_app_serves_on_with_failing_health_until_the_stop_begins()
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1, ShutdownDelay = TimeSpan.FromMinutes(10) }).MapHealth();
        app.Get("/", (req, res) => res.Send("served"));
        app.Listen(0);
        var url = new Uri($"http://{app.EndPoints[0]}");
        using var signal = new CancellationTokenSource();
        var running = app.RunAsync(signal.Token);
        using var client = new HttpClient { BaseAddress = url };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        await signal.CancelAsync(); // as SIGTERM
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.GetAsync("/healthz", deadline.Token)).StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            // each request is a round trip to the server, which announces the stop on its own thread
        }
        Assert.True(app.IsStopping);
        // Still accepting and keeping connections alive: balancers have the delay to notice the health check.
        await using var fresh = await TestApp.ConnectAsync(url);
        await fresh.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var answers = await fresh.ReadResponsesAsync(2);
        Assert.All(answers, answer => Assert.Equal(("served", false), (answer.Body, answer.Headers.ContainsKey("Connection"))));
        Assert.False(running.IsCompleted);

        await app.StopAsync(deadline.Token); // cuts the delay short: the graceful stop proper
        await running.WaitAsync(deadline.Token);
    }

    [Fact]
    public async Task The_health_endpoint_reads_the_stop_signal()
    {
        var app = new MicroApp().MapHealth("/health");
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        app.StopSignal.Begin(); // what MicroServer.StopAsync and the host's DisposeAsync do first
        var stopping = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stopping.StatusCode);
        Assert.Equal("Stopping", await stopping.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Request_logging_writes_one_line_per_request_with_status_duration_and_bytes()
    {
        var log = new RecordingLoggerProvider();
        using var factory = new LoggerFactory([log]);
        var app = new MicroApp(loggerFactory: factory).UseRequestLogging();
        app.Get("/hello", (req, res) => res.Send("Hello!"));
        app.Get("/stream", async (req, res) =>
        {
            await res.WriteAsync("abc");
            await res.WriteAsync("defg");
        });
        app.Get("/boom", (req, res) => throw new InvalidOperationException("boom"));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            await client.GetAsync("/hello");
            await client.GetAsync("/stream");
            await client.GetAsync("/nowhere");
            await client.GetAsync("/boom");
        });
        var lines = log.Entries.Where(e => e.Category == "Micro.RequestLog").Select(e => e.Message).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Matches(@"^GET /hello responded 200 in \d+\.\d{3} ms, 6 bytes$", lines[0]);
        Assert.Matches(@"^GET /stream responded 200 in \d+\.\d{3} ms, 7 bytes$", lines[1]);
        Assert.Matches(@"^GET /nowhere responded 404 in \d+\.\d{3} ms, 9 bytes$", lines[2]);
        Assert.Matches(@"^GET /boom failed in \d+\.\d{3} ms \(InvalidOperationException\); the server answers it$", lines[3]);
    }

    [Fact]
    public async Task Control_and_line_breaking_characters_a_client_puts_in_the_path_are_logged_escaped()
    {
        // Issue 20: a decoded path with CR LF forged a log line of its own; U+202E reverses what a terminal shows.
        var log = new RecordingLoggerProvider();
        using var factory = new LoggerFactory([log]);
        var app = new MicroApp(loggerFactory: factory).UseRequestLogging();
        app.Get("/files/:name", (req, res) => res.Send("ok"));
        app.Get("/boom/:name", (req, res) => throw new InvalidOperationException("boom"));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            await client.GetAsync("/files/a%0D%0AGET%20%2Fadmin%20responded%20200%1B%5B2J%C2%85%E2%80%AEtxt.exe");
            await client.GetAsync("/boom/%0A%E2%80%A8x");
        });
        var lines = log.Entries.Where(e => e.Category == "Micro.RequestLog").Select(e => e.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith(@"GET /files/a\x0D\x0AGET /admin responded 200\x1B[2J\x85\u202Etxt.exe responded 200 in ", lines[0]);
        Assert.StartsWith(@"GET /boom/\x0A\u2028x failed in ", lines[1]);
        Assert.All(log.Entries, entry => Assert.DoesNotMatch(@"[\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E]", entry.Message));
    }

    [Fact]
    public async Task Request_logging_is_off_unless_added()
    {
        var log = new RecordingLoggerProvider();
        using var factory = new LoggerFactory([log]);
        var app = new MicroApp(loggerFactory: factory);
        app.Get("/hello", (req, res) => res.Send("Hello!"));
        await TestApp.RunAsync(app, async (client, _) => await client.GetAsync("/hello"));
        Assert.DoesNotContain(log.Entries, e => e.Category == "Micro.RequestLog");
    }
}
