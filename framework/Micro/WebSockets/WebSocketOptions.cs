using Micro.Topics;

namespace Micro.WebSockets;

/// <summary>How a WebSocket route accepts, limits and keeps alive its connections. Defaults suit a public server.</summary>
public sealed class WebSocketOptions
{
    /// <summary>The largest message accepted, whole (its fragments together); larger closes the connection with 1009. Default 1 MiB.</summary>
    public int MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// With nothing received for this long, the server sends a Ping (the client answers with a Pong), so dead peers
    /// and idle proxies are noticed. Default 30 s; zero turns pings off.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>With nothing at all received for this long (not even a Pong), the connection is dropped. Default 75 s.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>How long, after the server sent its Close frame, it waits for the client's before it drops the connection. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The subprotocols the route speaks, in order of preference; the first the client offers (Sec-WebSocket-Protocol)
    /// is chosen. A client that offers only others gets none, and may close. Default: none.
    /// </summary>
    public IList<string> SubProtocols { get; } = [];

    /// <summary>permessage-deflate, agreed with clients that offer it; null (the default) declines it.</summary>
    public WebSocketCompression? Compression { get; set; }

    /// <summary>
    /// How much unsent output a subscriber may have before a published message is not queued for it: a publish never
    /// waits for one slow client, nor grows memory for it without bound. Default 1 MiB.
    /// </summary>
    public int MaxPublishBacklog { get; set; } = 1024 * 1024;

    /// <summary>What happens to a subscriber past <see cref="MaxPublishBacklog"/>: it misses the message (default) or is closed.</summary>
    public SlowSubscriberPolicy SlowSubscribers { get; set; } = SlowSubscriberPolicy.Drop;

    /// <summary>
    /// The origins (scheme://host[:port], as browsers send in Origin) allowed to open a connection; others get 403.
    /// Empty (the default) allows any: a check of your own can read <c>req.Headers["Origin"]</c> in a middleware.
    /// Browsers do not apply CORS to WebSockets, so a route that uses cookies for authentication should set this.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>
    /// The options a route is registered with (the defaults when none), refused there, when the app is put together,
    /// if a connection could not live by them: an exception naming the setting, its value and why.
    /// </summary>
    internal static WebSocketOptions Checked(WebSocketOptions? options)
    {
        if (options is null)
        {
            return new WebSocketOptions();
        }
        Require(options.MaxMessageSize >= 1, nameof(MaxMessageSize), options.MaxMessageSize, "it must be at least 1 byte");
        Require(options.MaxPublishBacklog >= 0, nameof(MaxPublishBacklog), options.MaxPublishBacklog, "it cannot be negative (zero queues nothing for a subscriber with output unsent)");
        Require(options.IdleTimeout > TimeSpan.Zero, nameof(IdleTimeout), options.IdleTimeout, "it must be longer than zero (every connection would be dropped at once)");
        Require(options.CloseTimeout >= TimeSpan.Zero, nameof(CloseTimeout), options.CloseTimeout, "it cannot be negative");
        Require(options.KeepAliveInterval >= TimeSpan.Zero, nameof(KeepAliveInterval), options.KeepAliveInterval, "it cannot be negative (zero turns pings off)");
        Require(options.KeepAliveInterval == TimeSpan.Zero || options.KeepAliveInterval < options.IdleTimeout, nameof(KeepAliveInterval), options.KeepAliveInterval,
            $"it must be shorter than IdleTimeout ({options.IdleTimeout}): a quiet connection would be dropped before its ping was sent");
        return options;
    }

    private static void Require(bool holds, string name, object value, string why)
    {
        if (!holds)
        {
            throw new ArgumentOutOfRangeException(name, value, $"WebSocketOptions.{name} is {value}: {why}.");
        }
    }
}
