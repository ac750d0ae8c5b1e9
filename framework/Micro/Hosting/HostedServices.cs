using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro.Hosting;

/// <summary>
/// The hosted services of an app built by <c>MicroApp.CreateBuilder</c> (<c>builder.Services.AddHostedService&lt;T&gt;()</c>),
/// run as the generic host runs them: started in the order they were added before the app listens (a
/// <see cref="BackgroundService"/> goes on in the background), stopped in reverse after its requests have finished,
/// within the server's <see cref="MicroServerOptions.ShutdownTimeout"/>. A background service that fails is logged and
/// stops the app, as the host's default (<see cref="BackgroundServiceExceptionBehavior.StopHost"/>) does, or only
/// logged when the app set <see cref="HostOptions.BackgroundServiceExceptionBehavior"/> to Ignore.
/// </summary>
internal sealed class HostedServices
{
    private static readonly Action<ILogger, string, Exception> s_backgroundFailed = LoggerMessage.Define<string>(
        LogLevel.Critical, new EventId(2, "BackgroundServiceFailed"), "The background service {Service} failed; the app stops, as the generic host stops by default.");

    private static readonly Action<ILogger, string, Exception> s_backgroundFailedIgnored = LoggerMessage.Define<string>(
        LogLevel.Error, new EventId(4, "BackgroundServiceFailedIgnored"), "The background service {Service} failed; the app goes on, as HostOptions.BackgroundServiceExceptionBehavior is Ignore.");

    private static readonly Action<ILogger, string, Exception> s_stopFailed = LoggerMessage.Define<string>(
        LogLevel.Error, new EventId(3, "HostedServiceStopFailed"), "The hosted service {Service} failed to stop, or did not within the shutdown timeout; the others stop on.");

    private readonly IHostedService[] _services;
    private readonly MicroApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly BackgroundServiceExceptionBehavior _onBackgroundFailure;
    private readonly TimeSpan _startupTimeout;
    private int _stopped;

    public HostedServices(IServiceProvider services)
    {
        _services = [.. services.GetServices<IHostedService>()];
        _lifetime = services.GetRequiredService<MicroApplicationLifetime>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Micro.Hosting");
        // The generic host's setting, if the app configured it (services.Configure<HostOptions>): stop (its default) or go on.
        var host = services.GetService<Microsoft.Extensions.Options.IOptions<HostOptions>>()?.Value;
        _onBackgroundFailure = host?.BackgroundServiceExceptionBehavior ?? BackgroundServiceExceptionBehavior.StopHost;
        _startupTimeout = host?.StartupTimeout ?? Timeout.InfiniteTimeSpan;
    }

    /// <summary>
    /// Starts each in order (the lifecycle's Starting and Started steps around it); one that throws fails the app's
    /// start, and so does a start not done within HostOptions.StartupTimeout when the app set one (a service deaf to its
    /// token included: it is not waited for past it).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_startupTimeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(_startupTimeout);
        }
        await StartAllAsync(deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
    }

    private async Task StartAllAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _services.OfType<IHostedLifecycleService>())
        {
            await service.StartingAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var service in _services)
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
            if (service is BackgroundService { ExecuteTask: { } running })
            {
                _ = WatchAsync(service, running);
            }
        }
        foreach (var service in _services.OfType<IHostedLifecycleService>())
        {
            await service.StartedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WatchAsync(IHostedService service, Task running)
    {
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Ended by the stop, as it should.
        }
        catch (Exception failure) when (_onBackgroundFailure == BackgroundServiceExceptionBehavior.Ignore)
        {
            s_backgroundFailedIgnored(_logger, service.GetType().FullName ?? service.GetType().Name, failure);
        }
        catch (Exception failure)
        {
            s_backgroundFailed(_logger, service.GetType().FullName ?? service.GetType().Name, failure);
            _lifetime.StopApplication();
        }
    }

    /// <summary>Stops each in reverse, once, each given what is left of <paramref name="timeout"/>; one that throws is logged and the rest go on.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _lifetime.NotifyStopping(); // already fired when the server's stop began; a stop without a server fires it here
        using var deadline = new CancellationTokenSource(timeout);
        var token = deadline.Token;
        var reversed = _services.Reverse().ToArray();
        foreach (var service in reversed.OfType<IHostedLifecycleService>())
        {
            await StopOneAsync(service, service.StoppingAsync, token).ConfigureAwait(false);
        }
        foreach (var service in reversed)
        {
            await StopOneAsync(service, service.StopAsync, token).ConfigureAwait(false);
        }
        foreach (var service in reversed.OfType<IHostedLifecycleService>())
        {
            await StopOneAsync(service, service.StoppedAsync, token).ConfigureAwait(false);
        }
        _lifetime.NotifyStopped();
    }

    /// <summary>A step of one service's stop, waited for no longer than the deadline (a service that ignores its token does not hold the app).</summary>
    private async Task StopOneAsync(IHostedService service, Func<CancellationToken, Task> stop, CancellationToken deadline)
    {
        try
        {
            await stop(deadline).WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            s_stopFailed(_logger, service.GetType().FullName ?? service.GetType().Name, failure);
        }
    }
}
