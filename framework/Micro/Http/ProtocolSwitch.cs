using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// What a protocol taking over a connection after a 101 (Switching Protocols) gets: the connection's transport, the
/// reactor's HTTP state (its reactor, options and log), the HTTP protocol it replaces (told when the connection
/// closes, so the request's Aborted token fires), and the upgraded exchange, kept out of the pool until
/// <see cref="Release"/>: its request (head, route parameters, query) stays readable for the connection's life.
/// </summary>
internal sealed class ProtocolSwitch(IConnectionTransport transport, HttpReactorState state, HttpConnection previous, HttpExchange exchange)
{
    private bool _released;
    private bool _closed;

    public IConnectionTransport Transport { get; } = transport;

    public HttpReactorState State { get; } = state;

    public HttpExchange Exchange { get; } = exchange;

    /// <summary>The connection is gone: the HTTP side learns it, so the upgrade request's Aborted token is cancelled.</summary>
    public void ConnectionClosed()
    {
        if (!_closed)
        {
            _closed = true;
            previous.OnClosed();
        }
    }

    /// <summary>The connection is gone and nothing reads the upgrade request any more: the exchange goes back to the reactor.</summary>
    public void Release()
    {
        ConnectionClosed();
        if (!_released)
        {
            _released = true;
            State.ReturnExchange(Exchange);
        }
    }
}
