namespace Micro.Transport;

/// <summary>Handing the connection to another protocol, after an HTTP upgrade (a WebSocket handshake).</summary>
internal sealed partial class TransportConnection
{
    public void SwitchProtocol(IConnectionProtocol next)
    {
        Protocol = next;
        _readPaused = false;
        UpdateInterest();
        QueueRedelivery(); // the bytes that followed the upgrade request, kept by the transport, go to the new protocol
    }
}
