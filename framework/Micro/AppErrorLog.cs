using Microsoft.Extensions.Logging;

namespace Micro;

/// <summary>What the app layer logs itself: a handler's exception that the app's OnError answered (the server logs the rest).</summary>
internal sealed class AppErrorLog(ILoggerFactory? loggerFactory)
{
    private static readonly Action<ILogger, string, Exception> s_handlerFailed = LoggerMessage.Define<string>(
        LogLevel.Error, new EventId(1, "HandlerFailed"), "Request {Request} failed in its handler; the app's OnError answered it.");

    private readonly ILogger? _logger = loggerFactory?.CreateLogger("Micro.App");

    public void HandlerFailed(string request, Exception error)
    {
        if (_logger is not null)
        {
            s_handlerFailed(_logger, request, error);
        }
    }
}
