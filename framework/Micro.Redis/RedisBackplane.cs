using Micro.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Micro.Redis;

/// <summary>
/// Topics across instances over Redis pub/sub (as SignalR's Redis backplane and Socket.IO's Redis adapter): a publish
/// is delivered to this instance's subscribers at once and sent to Redis on a channel named for its topic; each
/// instance subscribes to the channel of a topic only while it has subscribers of it, and hands what arrives to its
/// own. So a message crosses Redis once per instance that wants it, whatever the number of subscribers.
/// <para>
/// Redis pub/sub keeps nothing: delivery is at most once. While Redis cannot be reached, local delivery goes on,
/// publishes for the others wait in a bounded queue (<see cref="RedisBackplaneOptions.MaxQueuedMessages"/>) and go
/// when it comes back; what others publish meanwhile is missed, and so are messages in flight when the connection
/// broke. StackExchange.Redis reconnects by itself and subscribes again to every channel this instance needs.
/// </para>
/// </summary>
public sealed partial class RedisBackplane : ITopicBackplane, IAsyncDisposable
{
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly Guid _instance = Guid.NewGuid();
    private readonly CancellationTokenSource _stopping = new();
    private TopicHub? _hub;
    private ConnectionMultiplexer? _redis;
    private Task _running = Task.CompletedTask;
    private volatile string _state = "connecting";
    private volatile bool _connected;
    private TaskCompletionSource _reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopped;

    /// <summary>A backplane with <paramref name="options"/>; it connects when the app starts serving.</summary>
    public RedisBackplane(RedisBackplaneOptions options, ILogger<RedisBackplane>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _prefix = options.ChannelPrefix ?? ChannelNames.DefaultPrefix();
    }

    /// <inheritdoc/>
    public int MaxMessageBytes => _options.MaxMessageBytes;

    /// <inheritdoc/>
    public BackplaneHealth Health => !_connected
        ? new(false, $"Redis backplane unreachable ({_state}); {Volatile.Read(ref _queuedMessages)} publishes queued for other instances")
        : UnsubscribedTopics is var waiting and > 0
            ? new(false, $"Redis backplane connected ({_state}); {waiting} topic(s) with subscribers here not subscribed on Redis yet (tried again shortly): they miss other instances' messages meanwhile")
            : new(true, $"Redis backplane connected ({_state})");

    /// <summary>The Redis channel a topic's messages cross on (the prefix, then the topic made safe).</summary>
    public string ChannelOf(string topic) => ChannelNames.For(_prefix, topic);

    /// <inheritdoc/>
    public void Start(TopicHub hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        if (Interlocked.CompareExchange(ref _hub, hub, null) is not null)
        {
            throw new InvalidOperationException("This backplane already serves an app's topics.");
        }
        _running = Task.Run(RunAsync); // connecting waits on the network: never on the caller's thread
    }

    private async Task RunAsync()
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration!);
        configuration.AbortOnConnectFail = false; // an app starts while Redis is down, and connects when it comes
        configuration.BacklogPolicy = BacklogPolicy.FailFast; // the bound on what waits is this class's, not a hidden queue
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, (int)_options.MaxReconnectDelay.TotalMilliseconds);
        configuration.ClientName ??= "micro-backplane";
        configuration.ConfigurationChannel = ""; // StackExchange.Redis's own broadcast channel: a subscription this instance does not need
        configuration.TieBreaker = ""; // nor its tie-breaker key: the backplane reads and writes no key (an ACL user needs no key rights)
        _options.ConfigureRedis?.Invoke(configuration);
        var endPoints = string.Join(", ", configuration.EndPoints); // what logs and health say: never the password
        try
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            redis.ConnectionFailed += (_, failure) => OnConnectionFailed(endPoints, failure);
            redis.ConnectionRestored += (_, restored) => OnConnectionRestored(endPoints, restored);
            _redis = redis;
            _state = endPoints;
            if (redis.IsConnected)
            {
                MarkConnected();
            }
            else
            {
                _state = $"{endPoints}: not reachable yet";
                _logger.LogWarning("The Redis backplane cannot reach {EndPoints} yet: topics reach this instance's subscribers only until it does.", endPoints);
            }
            ResubscribeEverything(); // the topics that had subscribers before the connection was made
            await Task.WhenAll(SendAsync(redis, _stopping.Token), FollowInterestAsync(redis, _stopping.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            _state = $"{endPoints}: {exception.GetType().Name}";
            _logger.LogError(exception, "The Redis backplane to {EndPoints} stopped: topics reach this instance's subscribers only.", endPoints);
        }
        finally
        {
            _sent.TrySetResult(); // a stop waiting for the queue to go waits no more
        }
    }

    private void OnConnectionFailed(string endPoints, ConnectionFailedEventArgs failure)
    {
        if (failure.ConnectionType != ConnectionType.Interactive && _connected)
        {
            return; // the subscription connection alone: the interactive one decides
        }
        _connected = false;
        _state = $"{endPoints}: {failure.FailureType} since {DateTimeOffset.UtcNow:HH:mm:ss}Z";
        _logger.LogWarning("The Redis backplane lost {EndPoints} ({FailureType}): local delivery goes on, publishes for other instances wait (at most {MaxQueued}).",
            endPoints, failure.FailureType, _options.MaxQueuedMessages);
    }

    private void OnConnectionRestored(string endPoints, ConnectionFailedEventArgs restored)
    {
        _state = endPoints;
        if (_redis?.IsConnected == true)
        {
            _logger.LogInformation("The Redis backplane reached {EndPoints} again.", endPoints);
            MarkConnected();
            ResubscribeEverything(); // subscriptions whose attempt failed while it was away are made now
        }
    }

    private void MarkConnected()
    {
        _connected = true;
        Interlocked.Exchange(ref _reconnected, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Completes once Redis is connected (at once if it is), or when the backplane stops.</summary>
    private Task WaitForConnectionAsync(CancellationToken cancellationToken) =>
        _redis?.IsConnected == true ? Task.CompletedTask : Volatile.Read(ref _reconnected).Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        if (_hub is null)
        {
            _outbox.Writer.TryComplete();
            _interest.Writer.TryComplete();
            return; // never started
        }
        _outbox.Writer.TryComplete(); // what is queued still goes, while Redis is there and the stop allows (5 s at most)
        using (var drained = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            drained.CancelAfter(_connected ? TimeSpan.FromSeconds(5) : TimeSpan.Zero); // an unreachable Redis holds no stop
            try
            {
                await _sent.Task.WaitAsync(drained.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (Volatile.Read(ref _queuedMessages) is var unsent and > 0)
        {
            _logger.LogWarning("The Redis backplane stopped with {Unsent} publishes for other instances not sent.", unsent);
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        if (_redis is { } redis)
        {
            await redis.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await redis.DisposeAsync().ConfigureAwait(false);
        }
        _connected = false;
        _state = "stopped";
    }

    /// <summary>Stops (the app's services are disposed at its end).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
