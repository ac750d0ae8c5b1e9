using System.Threading.Tasks.Sources;

namespace Micro.WebSockets;

/// <summary>
/// The handler awaiting its next message (<see cref="ReceiveAsync"/>) is this connection's own task source, resumed on
/// the reactor after the batch of events that brought the message, without a delegate per message.
/// </summary>
public sealed partial class WebSocketConnection : IValueTaskSource<bool>
{
    private Action<object?>? _handlerContinuation; // the handler awaiting its next message, resumed on the reactor
    private object? _handlerContinuationState;
    private ExecutionContext? _handlerContext;

    bool IValueTaskSource<bool>.GetResult(short token) => _receive.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _receive.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0 && SynchronizationContext.Current == _reactor.SynchronizationContext)
        {
            // Awaited on the reactor, to come back to it: the continuation is queued on the reactor here. Left to the
            // runtime, posting to the context would make a delegate per message (60% of the echo's allocations), and
            // running it inline would re-enter the handler while the frames it reads are still being parsed.
            _handlerContinuation = continuation;
            _handlerContinuationState = state;
            _handlerContext = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
            _receive.OnCompleted(static connection => ((WebSocketConnection)connection!).ResumeHandlerLater(), this, token, ValueTaskSourceOnCompletedFlags.None);
            return;
        }
        _receive.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>Called where the message is handed over (on the reactor): the handler goes on after the current batch of events.</summary>
    private void ResumeHandlerLater() => _reactor.PostLocal(static connection => ((WebSocketConnection)connection!).ResumeHandler(), this);

    private void ResumeHandler()
    {
        var (continuation, state, context) = (_handlerContinuation!, _handlerContinuationState, _handlerContext);
        (_handlerContinuation, _handlerContinuationState, _handlerContext) = (null, null, null);
        if (context is null)
        {
            continuation(state);
            return;
        }
        ExecutionContext.Run(context, static resume =>
        {
            var (continuation, state) = ((Action<object?>, object?))resume!;
            continuation(state);
        }, (continuation, state));
    }
}
