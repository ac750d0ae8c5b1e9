namespace Micro.Transport;

/// <summary>
/// The synchronization context of a reactor thread: an <c>await</c> in a handler resumes on the reactor that owns the
/// connection, so handler code never races with its connection, as on an event loop.
/// </summary>
internal sealed class ReactorSynchronizationContext(Reactor reactor) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => reactor.Post(d, state);

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (reactor.IsOnReactorThread || reactor.HasEnded)
        {
            d(state); // nobody would run it otherwise; the connections it concerned are closed
            return;
        }
        Reactor.ThrowIfOnAReactor("SynchronizationContext.Send to another reactor"); // two reactors sending to each other would wait for good
        using var done = new ManualResetEventSlim();
        Exception? failure = null;
        reactor.Post(_ =>
        {
            try
            {
                d(state);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
            finally
            {
                done.Set();
            }
        }, null);
        done.Wait();
        if (failure is not null)
        {
            throw new AggregateException(failure);
        }
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>
    /// Async void methods started on this reactor, ever: the runtime calls <see cref="OperationStarted"/> when one
    /// begins under this context. A handler that starts one returns before that method's work is done, and the work
    /// may write to a response that has since been handed to the next request (see HttpExchange's stale handles).
    /// </summary>
    public long AsyncVoidStarted { get; private set; }

    public override void OperationStarted() => AsyncVoidStarted++;
}
