namespace Micro.Http;

/// <summary>
/// What a response owes as its head is written, decided then and not before: whatever answers it (the route, a
/// middleware after the route, a file) has set its type by that moment. Express's compression adds its
/// <c>Vary</c> this way (the on-headers hook); a middleware that does nothing else for a request needs no work after
/// the route, and no state machine for an async one.
/// </summary>
internal interface IResponseHeadHook
{
    /// <summary>
    /// The head of <paramref name="exchange"/> is about to be written. <paramref name="contentType"/> is the
    /// Content-Type value when the head carries one apart from the response's headers (<c>res.Send(string)</c>, a raw
    /// handler's <c>Respond</c>), else empty. Returns a whole header line ("Name: value\r\n") the head adds, or empty:
    /// bytes that outlive the call (a literal). Written with the head, not kept in the response's header store, so a
    /// response that had no headers of its own keeps the framer's shortest path.
    /// </summary>
    ReadOnlySpan<byte> BeforeHead(HttpExchange exchange, ReadOnlySpan<byte> contentType);
}
