using Micro.Transport;

namespace Micro.Http;

/// <summary>How far <see cref="ResponseLine.Release"/> got.</summary>
internal enum LineRelease : byte
{
    /// <summary>Every completed response at the front has gone to the output; the line is empty or waits for an unfinished one.</summary>
    Waiting,
    /// <summary>A response that ends the connection went out: close once it is sent.</summary>
    Close,
    /// <summary>The response to an upgrade request went out: the connection switches protocols, or reads on as HTTP.</summary>
    Upgrade,
}

/// <summary>
/// The responses a connection owes, in request order (a pipelined batch is a queue of response slots): the first
/// writes straight into the transport's output, those behind it into private buffers until their turn, and a
/// streaming response waits for room (first in line) or for its turn (behind). Owns the queue, what it holds, and the
/// producers waiting on it; the connection decides what a release means. A struct inside its connection: no object
/// of its own, and the queue is linked through the exchanges themselves, so an idle connection pays for two
/// references, not for a queue object and its array.
/// </summary>
internal struct ResponseLine(IConnectionTransport transport, HttpReactorState state)
{
    private HttpExchange? _first;
    private HttpExchange? _last;
    private int _count;
    private TaskCompletionSource? _drainWaiter;
    private object? _lastSentRate; // the minimum response data rate the last response released set for itself (boxed), if any

    public readonly int Count => _count;

    public readonly bool IsEmpty => _count == 0;

    /// <summary>The response at the front, if any.</summary>
    public readonly HttpExchange? First => _first;

    /// <summary>An exchange joins the line: first in line it writes straight to the transport's output, else to its own until its turn.</summary>
    public void Join(HttpExchange exchange, HttpConnection connection)
    {
        exchange.Start(connection, _count == 0 ? transport.Output : exchange.PrivateOutput);
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
        _count++;
    }

    /// <summary>Takes the response at the front out of the line.</summary>
    private bool TryDequeue([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HttpExchange? exchange)
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
        _count--;
        return true;
    }

    /// <summary>
    /// The minimum rate the client must read at now: the front response's own if it has begun (its bytes are the last
    /// in the output), else the last released one's, whose bytes may still be leaving; <paramref name="server"/>'s
    /// where they set none.
    /// </summary>
    public readonly DataRate MinResponseDataRate(DataRate server) => _first is { HasStarted: true } front
        ? front.MinResponseDataRate(server)
        : _lastSentRate is DataRate own ? own : server;

    /// <summary>
    /// Response bytes the connection holds: unsent output plus what responses behind the front have produced (private
    /// buffers, bodies being built). Walks the line, which is short by construction (MaxPipelinedRequests) and empty
    /// in the common case of synchronous handlers.
    /// </summary>
    public readonly long HeldBytes()
    {
        var held = transport.Output.Length;
        for (var exchange = First; exchange is not null; exchange = exchange.NextInLine)
        {
            held += exchange.BufferedBytes;
        }
        return held;
    }

    /// <summary>
    /// Moves every completed response at the front into the transport's output, in order, giving each exchange back
    /// to the pool; stops after a response that ends the connection, or after an upgrade's, whose exchange it hands to
    /// the connection in <paramref name="upgrade"/> (to switch protocols with, or give back), and at a response whose
    /// handler still runs (<see cref="HttpExchange.HandlerRunning"/>: it writes directly, and is released when its
    /// handler returns) unless it switches protocols. When the line moves on,
    /// the new front writes directly and a producer that waited for its turn goes on.
    /// </summary>
    public LineRelease Release(out HttpExchange? upgrade)
    {
        upgrade = null;
        while (_first is { IsCompleted: true } first && (!first.HandlerRunning || first.SwitchTo is not null))
        {
            TryDequeue(out _);
            first.MovePrivateOutputTo(transport.Output);
            _lastSentRate = first.OwnMinResponseDataRate;
            if (IsUpgrade(first))
            {
                upgrade = first;
                return LineRelease.Upgrade;
            }
            var close = first.WantsClose || first.AbortConnection;
            if (first.AbortConnection)
            {
                transport.NoteEnd(first.AbortedBy);
            }
            state.ReturnExchange(first);
            if (close)
            {
                return LineRelease.Close;
            }
        }
        if (_first is { } next)
        {
            next.MovePrivateOutputTo(transport.Output); // the new front of the line writes, and streams, directly
            next.ReleaseTurnWaiter(null);               // and a producer that waited for its turn goes on
        }
        return LineRelease.Waiting;
    }

    /// <summary>
    /// An upgradable request's exchange goes to the connection, to switch protocols with (its handler may run on: it
    /// serves the new protocol; the switch copies what it needs) or, answered as plain HTTP, to give back, which waits
    /// for its handler like any other.
    /// </summary>
    private static bool IsUpgrade(HttpExchange exchange) => exchange.Head.ConnectionUpgrade && exchange.Head.KeepAlive;

    /// <summary>
    /// After a streamed chunk. At the front: sends it, and waits while the client is slow. Behind another response:
    /// waits for its turn once the connection holds more than MaxResponseBufferSize, so a response that cannot be sent
    /// yet is not produced ahead into memory.
    /// </summary>
    public ValueTask AfterStreamedWrite(HttpExchange exchange, CancellationToken cancellationToken)
    {
        if (!exchange.WritesDirectly)
        {
            return HeldBytes() > state.Options.MaxResponseBufferSize ? exchange.WaitForTurnAsync(cancellationToken) : default;
        }
        transport.FlushSoon(); // a pipeline's streamed answers written in one batch of queued work leave in one send
        if (transport.IsClosed || !transport.IsOutputFull)
        {
            return default;
        }
        // Woken once the output is below the low-water mark, whether or not reading paused meanwhile: a flush can take
        // the output past the mark and back in one go, and a waiter nobody wakes is a deadlock.
        transport.NotifyWhenDrained();
        _drainWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new ValueTask(_drainWaiter.Task.WaitAsync(cancellationToken));
    }

    /// <summary>The output drained below its low-water mark: a producer waiting for room goes on.</summary>
    public void OnDrained()
    {
        var waiter = _drainWaiter;
        _drainWaiter = null;
        waiter?.TrySetResult();
    }

    /// <summary>
    /// The connection is over: completed responses go back to the pool; a handler still running keeps its exchange,
    /// complete or not (the connection returns it when the handler does), and a producer waiting on the line learns
    /// <paramref name="clientGone"/>.
    /// </summary>
    public void Abandon(Exception clientGone)
    {
        while (TryDequeue(out var exchange))
        {
            if (exchange.IsCompleted && !exchange.HandlerRunning)
            {
                state.ReturnExchange(exchange);
            }
            else
            {
                exchange.ReleaseTurnWaiter(clientGone); // a handler still running gives its exchange back when it returns
            }
        }
        var waiter = _drainWaiter;
        _drainWaiter = null;
        waiter?.TrySetException(clientGone);
    }
}
