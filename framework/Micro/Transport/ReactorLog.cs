using Microsoft.Extensions.Logging;

namespace Micro.Transport;

/// <summary>The transport's log messages, source-generated so a disabled level costs a branch.</summary>
internal sealed partial class ReactorLog(ILogger logger)
{

    [LoggerMessage(1, LogLevel.Debug, "Connection {Fd}: the peer is gone (errno {Errno}).")]
    public partial void PeerGone(int fd, int errno);

    [LoggerMessage(2, LogLevel.Warning, "Reactor {Reactor}: accept failed with errno {Errno} (out of file descriptors); accepting paused for a second.")]
    public partial void AcceptBackoff(int reactor, int errno);

    [LoggerMessage(3, LogLevel.Debug, "Reactor {Reactor}: connection refused, the limit of {Limit} connections is reached.")]
    public partial void ConnectionLimit(int reactor, int limit);

    [LoggerMessage(4, LogLevel.Error, "Reactor {Reactor}: a callback threw.")]
    public partial void CallbackFailed(int reactor, Exception exception);
}
