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

    public IConnectionTransport Transport { get; } = transport;

    public HttpReactorState State { get; } = state;

    public HttpExchange Exchange { get; } = exchange;

    /// <summary>The connection is gone: the HTTP side's resources and the exchange go back to the reactor.</summary>
    public void Release()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        previous.OnClosed();
        State.ReturnExchange(Exchange);
    }
}
