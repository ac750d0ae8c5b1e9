using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro.Hosting;

/// <summary>
/// <see cref="IHostApplicationLifetime"/> for an app built by <c>MicroApp.CreateBuilder</c>, as the generic host
/// keeps it: started once the app listens, stopping when its graceful stop begins, stopped when the app and its
/// hosted services are done. <see cref="StopApplication"/> stops an app that runs (<c>app.RunAsync()</c>) as SIGTERM does.
/// </summary>
internal sealed class MicroApplicationLifetime(ILoggerFactory loggerFactory) : IHostApplicationLifetime, IDisposable
{
    private static readonly Action<ILogger, string, Exception> s_callbackFailed = LoggerMessage.Define<string>(
        LogLevel.Error, new EventId(1, "LifetimeCallbackFailed"), "A callback registered on IHostApplicationLifetime.{Token} threw; the app goes on.");

    private readonly ILogger _logger = loggerFactory.CreateLogger("Micro.Hosting");
    private readonly CancellationTokenSource _started = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopped = new();
    private readonly CancellationTokenSource _stopAsked = new();

    public CancellationToken ApplicationStarted => _started.Token;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => _stopped.Token;

    /// <summary>Cancelled when the app's code asks it to stop (<see cref="StopApplication"/>): a running app then stops.</summary>
    public CancellationToken StopAsked => _stopAsked.Token;

    public void StopApplication() => Fire(_stopAsked, nameof(StopApplication));

    public void NotifyStarted() => Fire(_started, nameof(ApplicationStarted));

    public void NotifyStopping() => Fire(_stopping, nameof(ApplicationStopping));

    public void NotifyStopped() => Fire(_stopped, nameof(ApplicationStopped));

    /// <summary>Each token fires once; a callback the app registered that throws is logged, and stops neither the others nor the app's stop.</summary>
    private void Fire(CancellationTokenSource source, string token)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException failure)
        {
            s_callbackFailed(_logger, token, failure);
        }
        catch (ObjectDisposedException)
        {
            // The app's services are gone: nothing is listening any more.
        }
    }

    public void Dispose()
    {
        _started.Dispose();
        _stopping.Dispose();
        _stopped.Dispose();
        _stopAsked.Dispose();
    }
}
