namespace Micro.Topics;

/// <summary>One publish on its way to every reactor: it completes once each has delivered it, with how many subscribers it reached.</summary>
internal sealed class Publication(TopicMessage message, int reactors)
{
    private readonly TaskCompletionSource<int> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending = reactors;
    private int _count;

    public TopicMessage Message { get; } = message;

    public Task<int> Reached => _reached.Task;

    public void Delivered(int subscribers)
    {
        Interlocked.Add(ref _count, subscribers);
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            var reached = Volatile.Read(ref _count);
            TopicMetrics.Delivered(reached);
            _reached.TrySetResult(reached);
        }
    }
}
