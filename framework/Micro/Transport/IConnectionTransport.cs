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

    /// <summary>What is to be sent; written by the protocol, sent by <see cref="Flush"/>.</summary>
    OutputBuffer Output { get; }

    bool IsClosed { get; }

    /// <summary>The peer has finished sending (it may still read).</summary>
    bool InputEnded { get; }

    /// <summary>Bytes received and not consumed yet are kept (part of a request).</summary>
    bool HasBufferedInput { get; }

    /// <summary>The output is past its high-water mark: the protocol should stop producing.</summary>
    bool IsOutputFull { get; }

    /// <summary>When the peer last refused bytes while output was pending (the reactor's clock), or 0.</summary>
    long WriteBlockedSince { get; }

    /// <summary>Bytes the peer took since <see cref="WriteBlockedSince"/>.</summary>
    long SentWhileBlocked { get; }

    /// <summary>Sends what it can of <see cref="Output"/> now.</summary>
    void Flush();

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
