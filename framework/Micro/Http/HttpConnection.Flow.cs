using Microsoft.AspNetCore.Connections;

namespace Micro.Http;

/// <summary>
/// Flow control: when the connection reads, how much response data it may hold, and how producers (streaming
/// handlers) wait for room or for their turn; and the token that tells handlers their client is gone.
/// </summary>
internal sealed partial class HttpConnection
{
    private ReadPause _readPauses;
    private TaskCompletionSource? _drainWaiter;
    private CancellationTokenSource? _abortedSource;

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

    /// <summary>The socket is read only when no <see cref="ReadPause"/> holds and the connection is not closing.</summary>
    private void UpdateReading()
    {
        if (_closed)
        {
            return;
        }
        if (_readPauses != ReadPause.None || _closing)
        {
            transport.PauseReading();
        }
        else
        {
            transport.ResumeReading();
        }
    }

    /// <summary>
    /// Response bytes this connection holds: unsent output plus what responses behind the head of the line have
    /// produced (private buffers, bodies being built). Walks the in-flight queue, which is short by construction
    /// (<see cref="HttpServerOptions.MaxPipelinedRequests"/>) and empty in the common case of synchronous handlers.
    /// </summary>
    private long HeldBytes()
    {
        var held = transport.Output.Length;
        if (_inFlight.TryPeek(out var exchange))
        {
            for (; exchange is not null; exchange = exchange.NextInLine)
            {
                held += exchange.BufferedBytes;
            }
        }
        return held;
    }

    /// <summary>Stops reading and running handlers: responses held behind an unfinished one passed the limit.</summary>
    private void PauseForHeldResponses()
    {
        Pause(ReadPause.ResponsesHeld);
        transport.NotifyWhenDrained();
    }

    /// <summary>
    /// Dispatching resumes once what was held back has mostly gone out (a quarter of the limit, as the transport's
    /// low-water mark). Until then a drain notification stays armed: held responses can all leave in one flush when
    /// the slow one before them finishes, and with no producer waiting, nothing else would ever look again (the
    /// soak found that deadlock).
    /// </summary>
    private void ResumeIfResponsesWentOut()
    {
        if (!IsPaused(ReadPause.ResponsesHeld))
        {
            return;
        }
        if (HeldBytes() <= state.Options.MaxResponseBufferSize / 4)
        {
            Resume(ReadPause.ResponsesHeld);
        }
        else
        {
            transport.NotifyWhenDrained();
        }
    }

    /// <summary>
    /// After a streamed chunk. At the head of the line: sends it, and waits while the client is slow. Behind another
    /// response: waits for its turn once the connection holds more than <see cref="HttpServerOptions.MaxResponseBufferSize"/>,
    /// so a response that cannot be sent yet is not produced ahead into memory. Throws when the client is gone.
    /// </summary>
    internal ValueTask FlushStreaming(HttpExchange exchange, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return ValueTask.FromException(ClientGone());
        }
        if (!exchange.WritesDirectly)
        {
            return HeldBytes() > state.Options.MaxResponseBufferSize ? exchange.WaitForTurnAsync(cancellationToken) : default;
        }
        transport.Flush();
        if (_closed)
        {
            return ValueTask.FromException(ClientGone());
        }
        if (!transport.IsOutputFull)
        {
            return default;
        }
        // Woken once the output is below the low-water mark, whether or not reading paused meanwhile: a flush
        // can take the output past the mark and back in one go, and a waiter nobody wakes is a deadlock.
        transport.NotifyWhenDrained();
        _drainWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new ValueTask(_drainWaiter.Task.WaitAsync(cancellationToken));
    }

    public void OnOutputDrained()
    {
        var waiter = _drainWaiter;
        _drainWaiter = null;
        waiter?.TrySetResult();
        ResumeIfResponsesWentOut();
    }

    /// <summary>Cancelled when the connection closes before or while its requests are handled: the client reset, a timeout fired, the server aborted.</summary>
    public CancellationToken Aborted => _closed ? new CancellationToken(canceled: true) : (_abortedSource ??= new CancellationTokenSource()).Token;

    private static ConnectionResetException ClientGone() => new("The client's connection is closed; the response cannot be sent.");

    /// <summary>Everything waiting on this connection learns that it is gone.</summary>
    private void ReleaseWaitersOnClose()
    {
        var waiter = _drainWaiter;
        _drainWaiter = null;
        waiter?.TrySetException(ClientGone());
        if (_abortedSource is { } aborted)
        {
            try
            {
                aborted.Cancel(); // callbacks run here, on the reactor; one that throws must not stop the rest of the close
            }
            catch (AggregateException exception)
            {
                state.Log.AbortCallbackFailed(RemoteEndPoint, exception);
            }
        }
    }
}
