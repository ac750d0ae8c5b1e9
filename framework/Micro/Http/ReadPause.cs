namespace Micro.Http;

/// <summary>
/// Why a connection has stopped reading its socket. The reasons are independent, and reading resumes only when none
/// holds: resuming for one while another still holds would feed bytes to a connection that cannot take them.
/// </summary>
[Flags]
internal enum ReadPause : byte
{
    None = 0,
    /// <summary><see cref="HttpServerOptions.MaxPipelinedRequests"/> requests wait for their responses.</summary>
    PipelineFull = 1,
    /// <summary>Responses held behind an unfinished one passed <see cref="HttpServerOptions.MaxResponseBufferSize"/>.</summary>
    ResponsesHeld = 2,
    /// <summary>A streamed body's pipe is full: its handler has not read what arrived.</summary>
    BodyReaderFull = 4,
    /// <summary>
    /// A request asked to upgrade the connection (Connection: upgrade): what follows it may be another protocol's
    /// bytes, so nothing more is parsed until its handler has answered, with a 101 (the connection is handed over) or not.
    /// </summary>
    UpgradePending = 8,
}
