using System.Diagnostics;
using Micro.Transport;
using Microsoft.Extensions.Logging;

namespace Micro.Diagnostics;

/// <summary>
/// One log line per request, after its handler: method, path, status, duration and body bytes, through the app's
/// <see cref="ILoggerFactory"/> under the category "Micro.RequestLog". Off unless added. The method and the decoded
/// path are the client's: control and line-breaking characters in them are logged as escapes, never raw.
/// </summary>
public static partial class RequestLogging
{
    /// <summary>Logs every request at <paramref name="level"/> (Information by default). Add it first to time the whole pipeline.</summary>
    public static MicroApp UseRequestLogging(this MicroApp app, LogLevel level = LogLevel.Information)
    {
        var logger = (app.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Micro.RequestLog");
        app.Use(async (req, res, next) =>
        {
            if (!logger.IsEnabled(level))
            {
                await next;
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next;
            }
            catch (Exception error)
            {
                Failed(logger, level, LogText.Escape(req.Method), LogText.Escape(req.Path), Stopwatch.GetElapsedTime(started).TotalMilliseconds, error.GetType().Name);
                throw;
            }
            Served(logger, level, LogText.Escape(req.Method), LogText.Escape(req.Path), res.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, res.BodyLength);
        });
        return app;
    }

    [LoggerMessage(EventId = 20, Message = "{Method} {Path} responded {Status} in {ElapsedMilliseconds:0.000} ms, {Bytes} bytes")]
    private static partial void Served(ILogger logger, LogLevel level, string method, string path, int status, double elapsedMilliseconds, long bytes);

    [LoggerMessage(EventId = 21, Message = "{Method} {Path} failed in {ElapsedMilliseconds:0.000} ms ({Error}); the server answers it")]
    private static partial void Failed(ILogger logger, LogLevel level, string method, string path, double elapsedMilliseconds, string error);
}
