using System.Net;

namespace Micro.Transport;

/// <summary>
/// What a protocol sees of its connection's byte stream: output to fill and flush, reading to pause and resume,
/// closing, and how the peer is doing. <see cref="TransportConnection"/> is the socket; <c>Micro.Testing</c> has an
/// in-memory one. Every member is used on the connection's reactor thread only.
/// </summary>
internal interface IConnectionTransport
{
    /// <summary>The peer's address.</summary>
    IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The address the peer connected to (getsockname), read when asked for.</summary>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary>What the host's connection observer counted the connection under (<see cref="IConnectionObserver.Opened"/>).</summary>
    object? Observation { get; }

    /// <summary>An error is ending the connection, for its metrics (the first one noted is kept).</summary>
    void NoteEnd(ConnectionError error);

    /// <summary>What is to be sent; written by the protocol, sent by <see cref="Flush"/>.</summary>
    OutputBuffer Output { get; }

    bool IsClosed { get; }

    /// <summary>The peer has finished sending (it may still read).</summary>
    bool InputEnded { get; }

    /// <summary>Bytes received and not consumed yet are kept (part of a request).</summary>
    bool HasBufferedInput { get; }

    /// <summary>The output is past its high-water mark: the protocol should stop producing.</summary>
    bool IsOutputFull { get; }

    /// <summary>
    /// The minimum response data rate, one rule for every protocol (Kestrel's MinResponseDataRate): true when, since
    /// the socket first refused bytes with output pending, the peer has taken them slower than <paramref name="rate"/>
    /// on average, past its grace period. Never while nothing waits to be sent.
    /// </summary>
    bool ReadsSlowerThan(DataRate rate, long now);

    /// <summary>Sends what it can of <see cref="Output"/> now.</summary>
    void Flush();

    /// <summary>Sends now, or at the end of the reactor's batch of queued work when called inside one (answers completed together leave together).</summary>
    void FlushSoon();

    /// <summary>Asks for <see cref="IConnectionProtocol.OnOutputDrained"/> once the output is below its low-water mark.</summary>
    void NotifyWhenDrained();

    void PauseReading();

    /// <summary>Resumes reading; bytes kept from before are handed to the protocol again first.</summary>
    void ResumeReading();

    /// <summary>Closes once everything written so far has been sent.</summary>
    void CloseAfterFlush();

    /// <summary>Closes now, dropping unsent output.</summary>
    void Close();

    /// <summary>
    /// Hands the connection to another protocol (after an HTTP upgrade): it receives the bytes kept so far, then
    /// everything read from now on, and the transport's events. Reading resumes.
    /// </summary>
    void SwitchProtocol(IConnectionProtocol next);
}
