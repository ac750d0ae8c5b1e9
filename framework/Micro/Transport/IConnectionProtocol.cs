namespace Micro.Transport;

/// <summary>
/// What runs on a connection: the transport hands it bytes and tells it about output drain, ticks and the end of
/// the connection. Every call comes on the connection's reactor thread.
/// </summary>
internal interface IConnectionProtocol
{
    /// <summary>
    /// Bytes received and not consumed before: <paramref name="buffer"/>[0..<paramref name="length"/>]. Returns how many
    /// were consumed; the transport keeps the rest and hands them back, with more, next time. The buffer is reused
    /// after the call: whatever the protocol keeps beyond it, it must copy.
    /// </summary>
    int OnReceived(byte[] buffer, int length);

    /// <summary>The peer closed its sending side (read returned 0).</summary>
    void OnInputEnded();

    /// <summary>Output that had piled up past the high-water mark has drained below the low-water mark; reading has resumed.</summary>
    void OnOutputDrained();

    /// <summary>The reactor's coarse clock advanced (about once a second).</summary>
    void OnTick(long nowMilliseconds);

    /// <summary>The server is shutting down: finish what is in flight, then close.</summary>
    void OnStopping();

    /// <summary>The connection is gone; release everything.</summary>
    void OnClosed();

    /// <summary>
    /// While reading was paused, the peer shut its sending side (what it sent before is still unread). HTTP ignores
    /// it: a half-closed client may still be owed answers, and it learns the FIN once reading resumes.
    /// </summary>
    void OnPeerShutWhilePaused()
    {
    }
}
