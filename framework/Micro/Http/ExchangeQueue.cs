using System.Diagnostics.CodeAnalysis;

namespace Micro.Http;

/// <summary>
/// The responses a connection owes, oldest first, linked through the exchanges themselves: an idle connection
/// pays for two references, not for a queue object and its array.
/// </summary>
internal struct ExchangeQueue
{
    private HttpExchange? _first;
    private HttpExchange? _last;

    public int Count { get; private set; }

    public void Enqueue(HttpExchange exchange)
    {
        exchange.NextInLine = null;
        if (_last is null)
        {
            _first = exchange;
        }
        else
        {
            _last.NextInLine = exchange;
        }
        _last = exchange;
        Count++;
    }

    public readonly bool TryPeek([NotNullWhen(true)] out HttpExchange? exchange)
    {
        exchange = _first;
        return exchange is not null;
    }

    public bool TryDequeue([NotNullWhen(true)] out HttpExchange? exchange)
    {
        exchange = _first;
        if (exchange is null)
        {
            return false;
        }
        _first = exchange.NextInLine;
        if (_first is null)
        {
            _last = null;
        }
        exchange.NextInLine = null;
        Count--;
        return true;
    }

    public HttpExchange Dequeue() => TryDequeue(out var exchange) ? exchange : throw new InvalidOperationException("No response is owed.");
}
