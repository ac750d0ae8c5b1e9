using System.Net;
using Micro.Transport;
using Microsoft.Extensions.Logging;

namespace Micro.WebSockets;

/// <summary>
/// The WebSocket protocol's log messages, written to the logger the connection was handed at the switch. The event ids
/// are those HTTP uses for the same events (a bad peer, a failed handler, a timeout), so one filter covers both.
/// </summary>
internal static partial class WebSocketLog
{
    [LoggerMessage(10, LogLevel.Debug, "WebSocket from {Remote}: protocol error, closing with {Code} {Reason}.")]
    public static partial void ProtocolError(ILogger logger, IPEndPoint? remote, int code, string reason);

    /// <summary>A handler threw; the target is the client's, so it is escaped for the log.</summary>
    public static void HandlerFailed(ILogger logger, string target, Exception exception) =>
        LogHandlerFailed(logger, LogText.Escape(target), exception);

    [LoggerMessage(11, LogLevel.Error, "WebSocket {Target} failed in its handler.")]
    private static partial void LogHandlerFailed(ILogger logger, string target, Exception exception);

    [LoggerMessage(12, LogLevel.Debug, "WebSocket from {Remote}: {Reason}; closing.")]
    public static partial void Timeout(ILogger logger, IPEndPoint? remote, string reason);
}
