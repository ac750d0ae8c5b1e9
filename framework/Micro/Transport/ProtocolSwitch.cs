using Microsoft.Extensions.Logging;

namespace Micro.Transport;

/// <summary>
/// What a protocol taking over a connection after a 101 (Switching Protocols) gets: the connection's transport, its
/// reactor, a logger, and the minimum rate at which its peer must read what is sent (the one slow-reader rule, which
/// the transport applies). Nothing of the protocol it replaces: the upgraded exchange goes back to the pool as soon as
/// the new protocol is made, so the new protocol copies what it keeps of the request.
/// </summary>
internal readonly record struct ProtocolSwitch(IConnectionTransport Transport, Reactor Reactor, ILogger Logger, DataRate MinSendRate);
