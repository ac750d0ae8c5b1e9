namespace Micro.Http;

/// <summary>
/// Where an HTTP connection is in its life (Kestrel keeps its RequestProcessingStatus). Which request it is reading
/// is its <see cref="RequestReader"/>'s phase; how many responses it owes is its <see cref="ResponseLine"/>'s count.
/// Changed only by <see cref="HttpConnection"/>.
/// </summary>
internal enum ConnectionPhase : byte
{
    /// <summary>Reading requests and answering them, pipelined.</summary>
    Serving,
    /// <summary>No more requests: the connection closes once the responses it owes are sent (a close, an error, a stop).</summary>
    Closing,
    /// <summary>Handed to another protocol after an upgrade (a WebSocket): HTTP is over on it.</summary>
    Switched,
    /// <summary>Gone: everything it held went back.</summary>
    Closed,
}
