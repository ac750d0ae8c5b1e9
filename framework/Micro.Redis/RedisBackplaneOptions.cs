namespace Micro.Redis;

/// <summary>
/// How a Micro app's topics cross instances through Redis. From configuration: the connection string is
/// <c>ConnectionStrings:Redis</c> (or <c>Micro:Redis:Configuration</c>), the rest the <c>Micro:Redis</c> section.
/// </summary>
public sealed class RedisBackplaneOptions
{
    /// <summary>
    /// StackExchange.Redis's configuration string: endpoints and options, with the password, TLS and ACL user when the
    /// server asks for them (<c>redis.internal:6380,ssl=true,user=micro,password=...</c>). Never logged.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// What every channel name begins with, so apps can share a Redis without hearing each other: by default
    /// <c>micro:</c> and the app's name (its entry assembly's), then a colon. Instances of one app must agree on it.
    /// </summary>
    public string? ChannelPrefix { get; set; }

    /// <summary>The largest message (its data) a publish may carry across instances, default 1 MiB: a larger one is refused, on every instance alike.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Publishes held for other instances while Redis cannot be reached (or is slower than the app), default 10,000:
    /// past it, or past <see cref="MaxQueuedBytes"/>, a publish still reaches this instance's subscribers, and the
    /// others miss it (counted as dropped, reason backplane_buffer_full).
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 10_000;

    /// <summary>The bytes <see cref="MaxQueuedMessages"/> may hold at most, default 16 MiB.</summary>
    public long MaxQueuedBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Messages from other instances a topic may have waiting for this one's reactors, default 10,000: past it the
    /// newest are dropped (reason backplane_inbound_backlog) rather than held without bound.
    /// </summary>
    public int MaxInboundBacklog { get; set; } = 10_000;

    /// <summary>The longest wait between attempts to reconnect after Redis went away (they start at a quarter second and double), default 5 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Changes StackExchange.Redis's options after they are parsed from <see cref="Configuration"/> (certificates, a custom socket setup).</summary>
    public Action<StackExchange.Redis.ConfigurationOptions>? ConfigureRedis { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            throw new InvalidOperationException("The Redis backplane has no connection string: set ConnectionStrings:Redis (or Micro:Redis:Configuration), or RedisBackplaneOptions.Configuration.");
        }
        if (MaxMessageBytes <= 0 || MaxQueuedMessages <= 0 || MaxQueuedBytes <= 0 || MaxInboundBacklog <= 0)
        {
            throw new InvalidOperationException("The Redis backplane's MaxMessageBytes, MaxQueuedMessages, MaxQueuedBytes and MaxInboundBacklog must be positive.");
        }
        if (ChannelPrefix is not null && ChannelNames.NeedsEncoding(ChannelPrefix))
        {
            throw new InvalidOperationException($"The Redis backplane's ChannelPrefix '{ChannelPrefix}' has characters a channel name should not: use letters, digits and - _ . : /");
        }
    }
}
