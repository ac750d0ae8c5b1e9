using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Hosting;

/// <summary>
/// An app built by MicroApp.CreateBuilder runs its hosted services (<c>AddHostedService</c>) and keeps an
/// IHostApplicationLifetime, as ASP.NET Core's host does: started before it listens, stopped in reverse after its
/// requests, within the shutdown timeout; a background service that fails is logged and stops the app. Before,
/// AddHostedService registered services that never ran, and a service taking IHostApplicationLifetime failed the build.
/// </summary>
public sealed class HostedServicesTests
{
    private sealed class Journal
    {
        public ConcurrentQueue<string> Steps { get; } = new();

        public TaskCompletionSource WorkerRunning { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Runs in the background (on .NET 10, all of ExecuteAsync is off the start) until the app stops.</summary>
    private sealed class Worker : BackgroundService
    {
        private readonly Journal _journal;

        public Worker(Journal journal, IHostApplicationLifetime lifetime)
        {
            _journal = journal;
            lifetime.ApplicationStarted.Register(() => journal.Steps.Enqueue("started"));
            lifetime.ApplicationStopping.Register(() => journal.Steps.Enqueue("stopping"));
            lifetime.ApplicationStopped.Register(() => journal.Steps.Enqueue("stopped"));
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            _journal.WorkerRunning.TrySetResult();
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _journal.Steps.Enqueue("worker ended");
        }
    }

    private sealed class Ordered(Journal journal) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            journal.Steps.Enqueue("ordered start");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            journal.Steps.Enqueue("ordered stop");
            return Task.CompletedTask;
        }
    }

    private sealed class Lifecycle(Journal journal) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Note("lifecycle starting");

        public Task StartAsync(CancellationToken cancellationToken) => Note("lifecycle start");

        public Task StartedAsync(CancellationToken cancellationToken) => Note("lifecycle started");

        public Task StoppingAsync(CancellationToken cancellationToken) => Note("lifecycle stopping");

        public Task StopAsync(CancellationToken cancellationToken) => Note("lifecycle stop");

        public Task StoppedAsync(CancellationToken cancellationToken) => Note("lifecycle stopped");

        private Task Note(string step)
        {
            journal.Steps.Enqueue(step);
            return Task.CompletedTask;
        }
    }

    /// <summary>Ignores the token it is given to stop: the app's stop must not wait for it past the timeout.</summary>
    private sealed class Stubborn : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => new TaskCompletionSource().Task;
    }

    private sealed class Failing : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("the worker broke");
        }
    }

    private static (MicroApp App, RecordingLoggerProvider Logs) Build(Action<IServiceCollection> services)
    {
        var builder = MicroApp.CreateBuilder([]);
        var logs = new RecordingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        services(builder.Services);
        var app = builder.Build();
        app.ServerOptions.ShutdownTimeout = TimeSpan.FromSeconds(1);
        app.Urls.Add("http://127.0.0.1:0"); // instead of the builder's default, 127.0.0.1:8080
        return (app, logs);
    }

    /// <summary>An app whose hosted services (<paramref name="first"/>'s, then Ordered and Worker) note their steps; "/" answers the steps so far.</summary>
    private static MicroApp JournalApp(Journal journal, Action<IServiceCollection> first)
    {
        var (app, _) = Build(services =>
        {
            services.AddSingleton(journal);
            first(services);
            services.AddHostedService<Ordered>();
            services.AddHostedService<Worker>();
        });
        app.Get("/", (req, res) => res.Send(string.Join(",", journal.Steps)));
        return app;
    }

    [Fact]
    public async Task Hosted_services_start_before_the_app_listens_and_stop_in_reverse_after_it_with_the_lifetime_around_them()
    {
        var journal = new Journal();
        var app = JournalApp(journal, services => services.AddHostedService<Lifecycle>());
        app.Listen(0);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.EndPoints[0].Port}") };
        Assert.Equal("lifecycle starting,lifecycle start,ordered start,lifecycle started,started", await client.GetStringAsync("/"));
        await journal.WorkerRunning.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await app.StopAsync();
        Assert.Equal(
            ["lifecycle starting", "lifecycle start", "ordered start", "lifecycle started", "started", "stopping", "lifecycle stopping", "worker ended", "ordered stop", "lifecycle stop", "lifecycle stopped", "stopped"],
            journal.Steps);
    }

    [Fact]
    public async Task The_in_memory_test_host_runs_the_hosted_services_as_the_server_does()
    {
        var journal = new Journal();
        var app = JournalApp(journal, _ => { });
        await using (var host = new Micro.Testing.MicroTestHost(app))
        {
            using var client = host.CreateClient();
            Assert.Equal("ordered start,started", await client.GetStringAsync("/"));
            await journal.WorkerRunning.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(["ordered start", "started", "stopping", "worker ended", "ordered stop", "stopped"], journal.Steps);
    }

    [Fact]
    public async Task StopApplication_stops_a_running_app_as_SIGTERM_does()
    {
        var (app, _) = Build(_ => { });
        app.Post("/stop", (req, res) =>
        {
            req.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            res.Send("stopping");
        });
        var running = app.RunAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.EndPoints[0].Port}") };
        Assert.Equal("stopping", await (await client.PostAsync("/stop", null)).Content.ReadAsStringAsync());
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_background_service_that_fails_is_logged_and_stops_the_app_and_one_that_will_not_stop_does_not_hold_it()
    {
        var (app, logs) = Build(services =>
        {
            services.AddHostedService<Stubborn>();
            services.AddHostedService<Failing>();
        });
        await app.RunAsync().WaitAsync(TimeSpan.FromSeconds(30)); // returns by itself: the failure stopped it
        Assert.Contains(logs.Entries, entry => entry.Level == LogLevel.Critical && entry.Exception?.Message == "the worker broke");
        Assert.Contains(logs.Entries, entry => entry.Message.Contains($"{typeof(Stubborn).FullName} failed to stop, or did not within the shutdown timeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_hosts_setting_to_ignore_them_a_failed_background_service_is_logged_and_the_app_goes_on()
    {
        var (app, logs) = Build(services =>
        {
            services.Configure<HostOptions>(options => options.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore);
            services.AddHostedService<Failing>();
        });
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        logs.Logged += (level, message) =>
        {
            if (level == LogLevel.Error && message.Contains("the app goes on", StringComparison.Ordinal))
            {
                failed.TrySetResult();
            }
        };
        app.Get("/", (req, res) => res.Send("still here"));
        var running = app.RunAsync();
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.EndPoints[0].Port}") };
        Assert.Equal("still here", await client.GetStringAsync("/"));
        Assert.False(app.Lifetime.ApplicationStopping.IsCancellationRequested);
        Assert.DoesNotContain(logs.Entries, entry => entry.Level == LogLevel.Critical);
        app.Lifetime.StopApplication();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed class NeverStarts : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => new TaskCompletionSource().Task; // deaf to its token

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task A_start_that_outlasts_the_hosts_startup_timeout_fails_the_apps_start_and_nothing_listens()
    {
        var (app, _) = Build(services =>
        {
            services.Configure<HostOptions>(options => options.StartupTimeout = TimeSpan.FromMilliseconds(200));
            services.AddHostedService<NeverStarts>();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.StartAsync());
        Assert.Empty(app.EndPoints);
        await app.DisposeAsync();
    }
}
