using System.Net;
using Micro.Transport;
using Microsoft.AspNetCore.Connections;

namespace Micro.Http;

/// <summary>
/// HTTP/1.1 on one connection. Its life, in order (as Go's conn.serve tells one):
/// <list type="number">
/// <item>Bytes arrive (<see cref="OnReceived"/>, corked by the transport): the <see cref="RequestReader"/> takes the
/// next request head, then its body, buffered or streamed to a handler that runs at once.</item>
/// <item>Each whole request joins the <see cref="ResponseLine"/> and its handler runs inline (<see cref="Dispatch"/>);
/// an async one finishes later (<see cref="OnAsyncHandlerCompleted"/>) and the responses behind it wait their turn.</item>
/// <item>Completed responses leave the line in request order into the transport's output, which sends them once per
/// delivery and stops reading when output piles up.</item>
/// <item>Reading also pauses while the line is full, holds too much, a streamed body's handler lags, or an upgrade is
/// answered (<see cref="ReadPause"/>), and resumes when the reason goes.</item>
/// <item>It ends (<see cref="ConnectionPhase"/>): after a response that says close, a request refused (its status
/// after the responses owed), the client's FIN once answered, a timeout (<see cref="OnTick"/>, decided by
/// <see cref="ConnectionTimeouts"/>), the server stopping (<see cref="OnStopping"/>), the peer going away
/// (<see cref="OnClosed"/>), or an upgrade that hands the socket to another protocol (<see cref="SwitchProtocols"/>).</item>
/// </list>
/// Runs on the connection's reactor thread only. The reader, the line and the clock are structs in it: an idle
/// connection is this one object.
/// </summary>
internal sealed partial class HttpConnection : IConnectionProtocol
{
    private readonly IConnectionTransport _transport;
    private readonly HttpReactorState _state;
    private RequestReader _reader;
    private ResponseLine _line;
    private ConnectionClock _clock;
    private ReadPause _readPauses;
    private bool _receiving; // inside OnReceived: requests pipelined behind the current one are in its buffer, not yet kept by the transport
    private int _requests;
    private CancellationTokenSource? _abortedSource;

    /// <summary>
    /// Connections are numbered from the clock at start, as Kestrel numbers them: ids (and the trace identifiers made
    /// from them) differ from one run of the process to the next and between instances, so logs gathered from several
    /// do not share them.
    /// </summary>
    private static long s_lastId = DateTime.UtcNow.Ticks;

    public HttpConnection(IConnectionTransport transport, HttpReactorState state)
    {
        Id = Interlocked.Increment(ref s_lastId);
        _transport = transport;
        _state = state;
        _reader = new RequestReader(state);
        _line = new ResponseLine(transport, state);
        _clock = new ConnectionClock(state.Reactor.Now);
    }

    public IPEndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    /// <summary>What the host's connection observer counted this connection under, when it opened (set before any request).</summary>
    public object? Observation => _transport.Observation;

    /// <summary>The address the client connected to.</summary>
    public IPEndPoint? LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>Unique in the process, for request identifiers and logs.</summary>
    public long Id { get; }

    /// <summary>The reactor that owns this connection: code on other threads posts to it.</summary>
    public Reactor Reactor => _state.Reactor;

    /// <summary>Requests this connection has read so far: the number of the one being dispatched, counted from 1 (a host's trace identifier, as Kestrel's).</summary>
    internal int RequestCount => _requests;

    /// <summary>What a host built on the exchange keeps per connection (the ASP.NET Core server's lane of requests), made on first use.</summary>
    public object? HostState { get; set; }

    public OutputBuffer Output => _transport.Output;

    public bool IsStopping => _state.Stopping;

    /// <summary>Whether the server's own error answers carry an RFC 9457 problem body (MicroServerOptions.ProblemDetails).</summary>
    internal bool AnswersProblems => _state.Options.ProblemDetails;

    /// <summary>
    /// Whether the client has sent more than the requests dispatched so far: bytes after the one being dispatched in
    /// what was just received, or kept from before. While the server stops, those pipelined requests are still answered.
    /// </summary>
    public bool HasRequestsAhead => _receiving ? _reader.BytesAhead > 0 : _transport.HasBufferedInput;

    public bool IsOnReactorThread => _state.Reactor.IsOnReactorThread;

    /// <summary>The "Server: ...\r\n" line of every response (empty when turned off).</summary>
    internal byte[] ServerLine => _state.Options.ServerLine;

    /// <summary>Cancelled when the connection closes before or while its requests are handled: the client reset, a timeout fired, the server aborted.</summary>
    public CancellationToken Aborted => _phase == ConnectionPhase.Closed ? new CancellationToken(canceled: true) : (_abortedSource ??= new CancellationTokenSource()).Token;

    public int OnReceived(byte[] buffer, int length)
    {
        _clock.Touch(_state.Reactor.Now);
        var offset = 0;
        _receiving = true;
        try
        {
            ReadRequests(buffer, length, ref offset);
        }
        finally
        {
            _receiving = false;
        }
        // A body still to come must not keep pointing into a buffer the transport is about to reuse.
        _reader.DetachFromReceiveBuffer();
        _transport.Flush(); // corked: the answers leave once this returns, and what is left comes back if there is room
        return _phase switch
        {
            ConnectionPhase.Closed => length,
            ConnectionPhase.Switched => offset, // what follows the upgrade request is the next protocol's
            _ => _reader.Phase == ReaderPhase.Done ? length : offset, // nothing after a closing or refused request is answered
        };
    }

    private void ReadRequests(byte[] buffer, int length, ref int offset)
    {
        while (offset < length && _phase is ConnectionPhase.Serving or ConnectionPhase.Closing && !IsPaused(ReadPause.UpgradePending))
        {
            var wasIdle = _reader.Phase == ReaderPhase.Idle;
            var step = _reader.Read(buffer, length, ref offset, MayStartRequest());
            if (wasIdle && _reader.Phase == ReaderPhase.Head)
            {
                _clock.StartHead(_state.Reactor.Now); // the client owes a head from now: the headers timeout runs
            }
            switch (step)
            {
                case ReadStep.NeedMore:
                    return;
                case ReadStep.Request:
                    Dispatch(_reader.Ready!);
                    break;
                case ReadStep.BodyStarted:
                    if (!StartBody(_reader.Ready!, buffer, length, ref offset))
                    {
                        return;
                    }
                    break;
                case ReadStep.StreamedBodyDone:
                    break;
                case ReadStep.ReaderFull:
                    Pause(ReadPause.BodyReaderFull);
                    return;
                case ReadStep.Rejected:
                    Refuse(_reader.Ready!);
                    return;
                case ReadStep.StreamedBodyFailed:
                    OnStreamedBodyFailed();
                    return;
            }
        }
    }

    private void Dispatch(HttpExchange exchange)
    {
        _requests++;
        _line.Join(exchange, this);
        if (exchange.Head.ConnectionUpgrade && exchange.Head.KeepAlive)
        {
            Pause(ReadPause.UpgradePending); // until this exchange leaves the line (ReleaseCompleted)
        }
        var reactor = _state.Reactor;
        var context = reactor.SynchronizationContext;
        var asyncVoidBefore = context.AsyncVoidStarted;
        reactor.Running = exchange; // what the watchdog names if the handler never returns
        exchange.OnHandlerStarting();
        var pending = RunHandler(exchange);
        reactor.Running = null;
        if (context.AsyncVoidStarted != asyncVoidBefore)
        {
            exchange.HandlerLeftWorkBehind = true; // its handles are retired when the exchange is done
        }
        if (pending.IsCompletedSuccessfully && pending.Equals(default(ValueTask)))
        {
            exchange.OnHandlerReturned();
            if (_phase == ConnectionPhase.Closed)
            {
                _state.ReturnExchange(exchange); // the handler closed its connection (HttpContext.Abort, inline), whose end left the exchange to it
                return;
            }
            // Completed at once with nothing behind it (most handlers): no result to take. Compared field by field,
            // the task is never copied whole here (a copy read back the two halves RunHandler wrote: a stall).
            if (!exchange.IsCompleted)
            {
                try
                {
                    exchange.Complete(); // a response the handler left unfinished is framed now
                }
                catch (Exception exception)
                {
                    HandlerFailed(exchange, exception);
                }
            }
            ReleaseCompleted();
            return;
        }
        if (pending.IsCompleted)
        {
            if (_phase == ConnectionPhase.Closed)
            {
                EndedWithConnection(exchange, pending); // as above, with a result to take
                return;
            }
            exchange.OnHandlerReturned();
            TakeResult(exchange, pending);
            ReleaseCompleted();
            return;
        }
        exchange.DetachFromReceiveBuffer();
        exchange.SetPending(pending);
        // Registered on the reactor thread, so the callback is posted back here through the reactor's context.
        pending.GetAwaiter().OnCompleted(exchange.CompletionCallback);
    }

    /// <summary>
    /// A completed task with an object behind it: its result taken, once, as the ValueTask contract asks (a pooled source,
    /// such as the ASP.NET Core host's request run, goes back to its pool then); a failure fails the exchange.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void TakeResult(HttpExchange exchange, ValueTask completed)
    {
        System.Diagnostics.Debug.Assert(completed.IsCompleted, "Only a completed task's result is taken here: the reactor never waits.");
        try
        {
            completed.GetAwaiter().GetResult(); // completed: returns or throws the handler's failure at once, never waits
            if (!exchange.IsCompleted)
            {
                exchange.Complete(); // a response the handler left unfinished is framed now
            }
        }
        catch (Exception exception)
        {
            HandlerFailed(exchange, exception);
        }
    }

    /// <summary>
    /// Calls the handler; one that throws before returning a task fails its exchange and counts as done. Apart from
    /// <see cref="Dispatch"/>: the task returned leaves in registers, not through a stack slot the exception handling
    /// would force (a pipelined request paid a failed store-to-load forwarding for it).
    /// </summary>
    private ValueTask RunHandler(HttpExchange exchange)
    {
        try
        {
            return _state.Handler(exchange);
        }
        catch (Exception exception)
        {
            HandlerFailed(exchange, exception);
            return default;
        }
    }

    private void HandlerFailed(HttpExchange exchange, Exception exception)
    {
        _state.Log.HandlerFailed(exchange.MethodName, exchange.TargetText, exception);
        exchange.Fail();
    }

    internal void OnAsyncHandlerCompleted(HttpExchange exchange, Exception? failure)
    {
        if (_phase is ConnectionPhase.Closed or ConnectionPhase.Switched)
        {
            _state.ReturnExchange(exchange); // orphaned when the connection went away while its handler ran
            return;
        }
        if (failure is not null)
        {
            HandlerFailed(exchange, failure);
        }
        else if (!exchange.IsCompleted)
        {
            exchange.Complete();
        }
        ReleaseCompleted();
        if (_phase is ConnectionPhase.Serving or ConnectionPhase.Closing)
        {
            _transport.FlushSoon();
        }
    }

    /// <summary>Moves every completed response at the front of the line to the output, in order, and acts on what it found.</summary>
    private void ReleaseCompleted()
    {
        if (_reader.StreamingExchange is { IsCompleted: true })
        {
            _reader.ReleaseStreamingReader(); // the handler is done with its body: the rest is read and dropped
            ForgetOwedContinue();
        }
        while (true)
        {
            var release = _line.Release(out var upgrade);
            if (release == LineRelease.Close)
            {
                CloseAfterResponses();
                return;
            }
            if (release == LineRelease.Waiting)
            {
                break;
            }
            if (upgrade!.SwitchTo is { } protocol && !upgrade.AbortConnection && _phase == ConnectionPhase.Serving)
            {
                SwitchProtocols(upgrade, protocol);
                return;
            }
            var close = upgrade.WantsClose || upgrade.AbortConnection;
            _transport.NoteEnd(upgrade.AbortedBy);
            _state.ReturnExchange(upgrade);
            Resume(ReadPause.UpgradePending); // answered as ordinary HTTP: parsing goes on
            if (close)
            {
                CloseAfterResponses();
                return;
            }
        }
        if (_line.IsEmpty)
        {
            _clock.Touch(_state.Reactor.Now);
            if ((_state.Stopping && !HasRequestsAhead) || _transport.InputEnded)
            {
                CloseAfterResponses();
                return;
            }
        }
        if (IsPaused(ReadPause.PipelineFull) && _line.Count < _state.Options.MaxPipelinedRequests)
        {
            Resume(ReadPause.PipelineFull);
        }
        ResumeIfResponsesWentOut();
    }

    /// <summary>A streamed body will not be completed (refused, too slow, cut short): its handler's response closes the connection.</summary>
    private void OnStreamedBodyFailed()
    {
        var (status, reason, log, error) = _reader.Rejection;
        if (log)
        {
            _state.Log.BadRequest(RemoteEndPoint, status, reason);
        }
        _transport.NoteEnd(error);
        _readPauses &= ~ReadPause.BodyReaderFull; // no more of this body will be read
        if (_reader.StreamingExchange is { } streaming)
        {
            streaming.RequireClose();
        }
        else if (_line.IsEmpty)
        {
            CloseAfterResponses();
        }
    }

    private bool IsPaused(ReadPause reason) => (_readPauses & reason) != 0;

    private void Pause(ReadPause reason)
    {
        _readPauses |= reason;
        UpdateReading();
    }

    private void Resume(ReadPause reason)
    {
        _readPauses &= ~reason;
        UpdateReading();
    }

    /// <summary>The socket is read only when no <see cref="ReadPause"/> holds and the connection is serving.</summary>
    private void UpdateReading()
    {
        if (_phase is ConnectionPhase.Closed or ConnectionPhase.Switched)
        {
            return;
        }
        if (_readPauses != ReadPause.None || _phase == ConnectionPhase.Closing)
        {
            _transport.PauseReading();
        }
        else
        {
            _transport.ResumeReading();
        }
    }

    private static ConnectionResetException ClientGone() => new("The client's connection is closed; the response cannot be sent.");
}
