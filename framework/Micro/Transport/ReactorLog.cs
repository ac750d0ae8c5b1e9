using Microsoft.Extensions.Logging;

namespace Micro.Transport;

/// <summary>The transport's log messages, source-generated so a disabled level costs a branch; never throws (<see cref="FailSafeLogger"/>).</summary>
internal sealed partial class ReactorLog(ILogger logger)
{
    private readonly ILogger _logger = new FailSafeLogger(logger);

    [LoggerMessage(1, LogLevel.Debug, "Connection {Fd}: the peer is gone (errno {Errno}).")]
    public partial void PeerGone(int fd, int errno);

    [LoggerMessage(2, LogLevel.Warning, "Reactor {Reactor}: accept failed with errno {Errno} (out of file descriptors); accepting paused for a second.")]
    public partial void AcceptBackoff(int reactor, int errno);

    [LoggerMessage(7, LogLevel.Error, "Reactor {Reactor}: accept failed with errno {Errno}; accepting paused for a second.")]
    public partial void AcceptFailed(int reactor, int errno);

    [LoggerMessage(8, LogLevel.Error, "Reactor {Reactor} has not come back to its loop for {Seconds:0.0} s, running {Running}: every connection it owns waits. " +
        "A handler must never block a reactor (.Result, .Wait(), Thread.Sleep, a lock held elsewhere): await instead, and move CPU-heavy work off it with Task.Run. Where it is:\n{Stack}")]
    public partial void ReactorStalled(int reactor, double seconds, string running, string stack);

    [LoggerMessage(9, LogLevel.Warning, "Reactor {Reactor} came back to its loop after {Seconds:0.0} s.")]
    public partial void ReactorResumed(int reactor, double seconds);

    [LoggerMessage(10, LogLevel.Critical, "Reactor {Reactor} is still stuck after the shutdown timeout ({Seconds:0.0} s, running {Running}): the server stops without it, and its connections end with the process.")]
    public partial void ReactorStuckAtStop(int reactor, double seconds, string running);

    [LoggerMessage(3, LogLevel.Debug, "Reactor {Reactor}: connection refused, the limit of {Limit} connections is reached.")]
    public partial void ConnectionLimit(int reactor, int limit);

    [LoggerMessage(4, LogLevel.Error, "Reactor {Reactor}: a callback threw.")]
    public partial void CallbackFailed(int reactor, Exception exception);

    [LoggerMessage(5, LogLevel.Error, "Reactor {Reactor}: connection {Fd} failed and was closed; the reactor serves on.")]
    public partial void ConnectionFailed(int reactor, int fd, Exception exception);

    [LoggerMessage(6, LogLevel.Critical, "Reactor {Reactor} failed and stopped: its connections were closed and its listeners no longer accept. The server is faulted.")]
    public partial void ReactorFailed(int reactor, Exception exception);
}
