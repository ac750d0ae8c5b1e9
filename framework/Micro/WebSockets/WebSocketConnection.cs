using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Micro.Topics;
using Micro.Transport;

namespace Micro.WebSockets;

/// <summary>
/// One WebSocket connection (RFC 6455), owned by the reactor that owned its HTTP connection: every call into it runs
/// there, and an async handler's continuations come back there. It reads one whole message at a time and stops reading
/// until the handler has taken it (backpressure, not a queue); sending writes frames into the connection's output and
/// waits when the client reads slower than the handler writes. While idle it holds no buffer.
/// </summary>
public sealed partial class WebSocketConnection : IConnectionProtocol, IAsyncEnumerable<WebSocketMessage>, IUpgradedConnection
{
    private readonly IConnectionTransport _transport;
    private readonly Reactor _reactor;
    private readonly ILogger _log;
    private readonly DataRate _minSendRate;
    private readonly TopicHub? _hub;
    private readonly WebSocketOptions _options;
    private readonly WebSocketHandlers? _callbacks;
    private CancellationTokenSource? _aborted;
    private TaskCompletionSource? _closed;
    private bool _handlerRunning;
    private Task? _handler;
    private readonly PerMessageDeflate? _deflate;
    private long _lastReceived; // when the client last sent anything (a frame, a pong): the idle and keep-alive clocks
    private long _lastPing;

    /// <summary>Made at the switch; <paramref name="hub"/> is the app's topics, or null when no <see cref="MicroApp"/> serves the connection (then topics throw).</summary>
    internal WebSocketConnection(ProtocolSwitch handover, Request request, TopicHub? hub, WebSocketOptions options, string? subProtocol, WebSocketHandlers? callbacks,
        DeflateParameters? deflate = null)
    {
        _deflate = deflate is null ? null : new PerMessageDeflate(deflate, options.Compression!);
        _transport = handover.Transport;
        _reactor = handover.Reactor;
        _log = handover.Logger;
        _minSendRate = handover.MinSendRate;
        _hub = hub;
        _options = options;
        _callbacks = callbacks;
        Request = request.CopyForUpgrade(this); // the exchange it came in goes back to the pool now
        SubProtocol = subProtocol;
        _lastReceived = _lastPing = _reactor.Now;
    }

    /// <summary>The upgrade request: its path, route parameters, query and headers stay readable while the connection lives.</summary>
    public Request Request { get; }

    /// <summary>Whether permessage-deflate was agreed (<see cref="WebSocketOptions.Compression"/>, and the client offered it).</summary>
    public bool IsCompressed => _deflate is not null;

    /// <summary>The subprotocol chosen from the client's offer (<see cref="WebSocketOptions.SubProtocols"/>), or null.</summary>
    public string? SubProtocol { get; }

    /// <summary>Open, closing (a Close frame sent), or closed.</summary>
    public WebSocketState State { get; private set; }

    /// <summary>The close code once known: the client's, 1005 when its Close frame had none, 1006 when it went without one, or the server's.</summary>
    public int? CloseStatus { get; private set; }

    /// <summary>The reason that came with the close code, if any.</summary>
    public string? CloseDescription { get; private set; }

    /// <summary>The JSON options <see cref="SendJsonAsync{T}(T, CancellationToken)"/> and <see cref="WebSocketMessage.Json{T}(JsonSerializerOptions)"/> use: the app's.</summary>
    public JsonSerializerOptions JsonOptions => Request.JsonOptions;

    /// <summary>The client's address (behind a trusted proxy, see <see cref="Request.RemoteEndPoint"/> for the one it forwarded).</summary>
    public System.Net.IPEndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    /// <summary>Cancelled when the connection is gone, for work the handler does that should stop with it.</summary>
    public CancellationToken Aborted => State == WebSocketState.Closed ? new CancellationToken(canceled: true) : (_aborted ??= new CancellationTokenSource()).Token;

    /// <summary>Completes once the connection is closed.</summary>
    public Task Completion => State == WebSocketState.Closed ? Task.CompletedTask : (_closed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Starts the application's side on the next turn of the reactor, after the switch has finished.</summary>
    internal void Start(Func<WebSocketConnection, Request, Task>? handler)
    {
        _reactor.PostLocal(static state =>
        {
            var (connection, handler) = ((WebSocketConnection, Func<WebSocketConnection, Request, Task>?))state!;
            if (handler is not null)
            {
                connection.Run(handler);
            }
            else
            {
                connection.Invoke(static (connection, _) => connection._callbacks!.OnOpen?.Invoke(connection), 0);
            }
        }, (this, handler));
    }

    private void Run(Func<WebSocketConnection, Request, Task> handler)
    {
        _handlerRunning = true;
        Task running;
        try
        {
            running = handler(this, Request);
        }
        catch (Exception exception)
        {
            running = Task.FromException(exception);
        }
        if (running.IsCompleted)
        {
            _ = FinishAsync(running);
            return;
        }
        // Not an async method awaiting the handler: that would hold its state machine, a delegate and a continuation
        // for the context (224 bytes) for the connection's whole life. One delegate on the handler's task does it.
        _handler = running;
        running.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(OnHandlerCompleted);
    }

    private void OnHandlerCompleted()
    {
        if (!_reactor.IsOnReactorThread)
        {
            _reactor.Post(static state => ((WebSocketConnection)state!).OnHandlerCompleted(), this); // the handler ended elsewhere: finish at home
            return;
        }
        var handler = _handler!;
        _handler = null;
        _ = FinishAsync(handler);
    }

    /// <summary>The handler has returned (or thrown): the connection closes with 1000 (or 1011).</summary>
    private async Task FinishAsync(Task handler)
    {
        try
        {
            await handler;
            if (State == WebSocketState.Open)
            {
                await CloseAsync(WebSocketCloseStatus.NormalClosure); // the handler is done: so is the connection
            }
        }
        catch (Exception exception) when (State != WebSocketState.Closed || exception is not IOException)
        {
            WebSocketLog.HandlerFailed(_log, Request.RawTarget, exception);
            Fail(WebSocketCloseStatus.InternalServerError, "");
        }
        catch (IOException)
        {
            // A send or a close met a connection already gone: nothing more to say to anyone.
        }
        finally
        {
            _handlerRunning = false;
            ReleaseIfDone();
        }
    }

    /// <summary>Runs a callback; one that throws closes the connection with 1011, as a handler that throws does.</summary>
    private void Invoke<TState>(Action<WebSocketConnection, TState> callback, TState state)
    {
        try
        {
            callback(this, state);
        }
        catch (Exception exception)
        {
            WebSocketLog.HandlerFailed(_log, Request.RawTarget, exception);
            Fail(WebSocketCloseStatus.InternalServerError, "");
        }
    }

    void IConnectionProtocol.OnClosed()
    {
        var wasOpen = State != WebSocketState.Closed;
        State = WebSocketState.Closed;
        UnsubscribeAll();
        CloseStatus ??= WebSocketCloseStatus.AbnormalClosure;
        EndReceiving();
        FailDrainWaiter(new IOException("The WebSocket connection is closed."));
        _aborted?.Cancel();
        _deflate?.Dispose();
        _closed?.TrySetResult();
        ReleaseMessageOnClose();
        if (wasOpen && _callbacks?.OnClose is { } onClose)
        {
            try
            {
                onClose(this, CloseStatus.Value, CloseDescription);
            }
            catch (Exception exception)
            {
                WebSocketLog.HandlerFailed(_log, Request.RawTarget, exception);
            }
        }
        ReleaseIfDone();
    }

    /// <summary>Once the connection is closed and no handler runs, the services the handler asked for from its request are disposed.</summary>
    private void ReleaseIfDone()
    {
        if (State == WebSocketState.Closed && !_handlerRunning && Request.HasServiceScope)
        {
            _ = DisposeServicesAsync();
        }
    }

    private async Task DisposeServicesAsync()
    {
        try
        {
            await Request.DisposeServiceScopeAsync();
        }
        catch (Exception exception)
        {
            WebSocketLog.HandlerFailed(_log, Request.RawTarget, exception); // a service that failed to dispose: logged, as for any request
        }
    }

    void IConnectionProtocol.OnOutputDrained() => ReleaseDrainWaiter();

    /// <summary>The client sent something: it is alive.</summary>
    private void Heard() => _lastReceived = _reactor.Now;

    void IConnectionProtocol.OnInputEnded()
    {
        // The client stopped sending without a Close frame: nothing more can be said (1006).
        _transport.Close();
    }

    void IConnectionProtocol.OnPeerShutWhilePaused()
    {
        // WebSocket has no half-close: a client that stops sending while its handler holds a message has gone (1006).
        _transport.Close();
    }

    void IConnectionProtocol.OnStopping()
    {
        if (State == WebSocketState.Open)
        {
            SendClose(WebSocketCloseStatus.GoingAway, "The server is stopping.");
        }
    }

    void IConnectionProtocol.OnTick(long now)
    {
        if (State == WebSocketState.Closed)
        {
            return;
        }
        if (State == WebSocketState.CloseSent)
        {
            if (now - _closeSentAt > _options.CloseTimeout.TotalMilliseconds)
            {
                _transport.Close(); // the client did not answer our Close frame in time
            }
            return;
        }
        if (_transport.ReadsSlowerThan(_minSendRate, now))
        {
            WebSocketLog.Timeout(_log, _transport.RemoteEndPoint, "the WebSocket client reads slower than the minimum data rate");
            _transport.Close();
            return;
        }
        if (_messagePending || _messageLent)
        {
            _lastReceived = now; // the application holds the client back: its time is not the client's
            return;
        }
        var idle = now - _lastReceived;
        if (idle > _options.IdleTimeout.TotalMilliseconds)
        {
            WebSocketLog.Timeout(_log, _transport.RemoteEndPoint, "the WebSocket received nothing, not even a Pong, within its idle timeout");
            _transport.Close();
        }
        else if (_options.KeepAliveInterval > TimeSpan.Zero && idle > _options.KeepAliveInterval.TotalMilliseconds && now - _lastPing > _options.KeepAliveInterval.TotalMilliseconds)
        {
            _lastPing = now;
            FrameWriter.WriteFrame(_transport.Output, WebSocketOpcode.Ping, []);
            _transport.Flush();
        }
    }

    /// <summary>Messages one by one: <c>await foreach (var message in ws)</c> ends when the connection closes.</summary>
    public IAsyncEnumerator<WebSocketMessage> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new MessageEnumerator(this);

    private sealed class MessageEnumerator(WebSocketConnection connection) : IAsyncEnumerator<WebSocketMessage>
    {
        public WebSocketMessage Current => connection._current;

        public ValueTask<bool> MoveNextAsync() => connection.ReceiveAsync();

        public ValueTask DisposeAsync() => default;
    }
}
