using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// What a protocol taking over a connection after a 101 (Switching Protocols) gets: the connection's transport and the
/// reactor's HTTP state (its reactor, options and log). The upgraded exchange goes back to the pool as soon as the new
/// protocol is made, so the protocol copies what it keeps of the request (<see cref="Request"/>'s upgraded copy).
/// </summary>
internal sealed class ProtocolSwitch(IConnectionTransport transport, HttpReactorState state)
{
    public IConnectionTransport Transport { get; } = transport;

    public HttpReactorState State { get; } = state;
}
