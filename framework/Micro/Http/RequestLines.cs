using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// Where a request's state lies (its exchange, parsed head, header table and bytes), noted on the reactor when it
/// hands the request to another thread, so that thread can ask for those lines one request ahead of starting it
/// (<see cref="CacheLines"/>): the first touch of each, on the other core, is a miss that would otherwise stall it.
/// Addresses only, never dereferenced: a stale one (the collector moved an object) costs a wasted hint.
/// </summary>
internal readonly struct RequestLines(nint exchange, nint head, nint headers, int headersBytes, nint bytes, int length)
{
    /// <summary>How far the exchange's fields and the parsed head's reach from their starts: about four lines and two.</summary>
    private const int ExchangeBytes = 256;
    private const int HeadBytes = 128;

    /// <summary>Asks for the lines the next thread reads first: exchange, head, header table, request bytes.</summary>
    public void Prefetch()
    {
        CacheLines.Prefetch(exchange, ExchangeBytes);
        CacheLines.Prefetch(head, HeadBytes);
        CacheLines.Prefetch(headers, headersBytes);
        CacheLines.Prefetch(bytes, length);
    }
}
