namespace Micro.Http;

/// <summary>What the exchange holds, waiting for its turn in the pipeline, and learning that its client is gone.</summary>
public sealed partial class HttpExchange
{
    private TaskCompletionSource? _turnWaiter;

    /// <summary>
    /// Cancelled when the client's connection closes before the response is sent: a reset, a timeout, the server
    /// aborting. A client that only half-closes (sends FIN after its requests) is still answered, so it does not
    /// cancel this. Writes to a closed connection throw <see cref="Microsoft.AspNetCore.Connections.ConnectionResetException"/>.
    /// </summary>
    public CancellationToken RequestAborted => _connection?.Aborted ?? new CancellationToken(canceled: true);

    /// <summary>Response bytes this exchange has produced and not handed to the connection yet.</summary>
    internal long BufferedBytes =>
        (_target == _private ? _private?.Length ?? 0 : 0) + (_bodyBuffer?.Length ?? 0) + (_headers?.Length ?? 0);

    /// <summary>A streaming response behind another waits here until it reaches the head of the line (or its connection closes).</summary>
    internal ValueTask WaitForTurnAsync(CancellationToken cancellationToken)
    {
        _turnWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new ValueTask(_turnWaiter.Task.WaitAsync(cancellationToken));
    }

    /// <summary>The exchange goes back to its pool: a waiter left from its last use is forgotten.</summary>
    private void ForgetTurnWaiter() => _turnWaiter = null;

    /// <summary>Wakes a producer waiting for its turn: with <paramref name="failure"/> when the connection is gone.</summary>
    internal void ReleaseTurnWaiter(Exception? failure)
    {
        var waiter = _turnWaiter;
        _turnWaiter = null;
        if (failure is null)
        {
            waiter?.TrySetResult();
        }
        else
        {
            waiter?.TrySetException(failure);
        }
    }
}
