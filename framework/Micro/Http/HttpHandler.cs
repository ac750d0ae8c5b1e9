namespace Micro.Http;

/// <summary>
/// The low-level entry point: called on the connection's reactor thread for each request whose head and body have
/// arrived. Complete synchronously (return <c>default</c>) to answer inline; an incomplete task holds this request's
/// place in the pipeline until it completes, and its continuations resume on the same reactor.
/// </summary>
public delegate ValueTask HttpHandler(HttpExchange exchange);
