namespace Micro;

/// <summary>
/// A middleware (the target of its <see cref="Middleware"/> delegate) that can do its whole work for some requests
/// before the rest of the pipeline runs: compression for a client that sent no Accept-Encoding, CORS for a request
/// without Origin, forwarded headers. For such a request the pipeline asks it here and goes straight on to the next
/// step, with no layer around the rest (no call through the delegate, no frame waiting for the rest to return), so a
/// middleware costs a request it does not act on only what it does up front. For the others it runs as a layer.
/// </summary>
internal interface IUpFrontStep
{
    /// <summary>
    /// Does this middleware's whole work for the request now, if it can, and says so. False: nothing was done, and the
    /// middleware runs as a layer (which may ask the same question first, so it also works when called alone).
    /// </summary>
    bool ServeUpFront(Request req, Response res);
}
