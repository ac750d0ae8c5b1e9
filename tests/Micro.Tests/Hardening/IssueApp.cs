namespace Micro.Tests.Hardening;

/// <summary>
/// The small app issue 9's defects were found with: <c>GET /stream/:n</c> streams n lines "chunk i\n" with one
/// WriteAsync each, <c>GET /slow</c> waits for the test's gate (or for its client to go away), <c>POST /echo</c>.
/// Counters let a test wait for a state instead of sleeping.
/// </summary>
internal sealed class IssueApp : IAsyncDisposable
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _reactorHeld = new();
    private readonly ManualResetEventSlim _releaseReactor = new();
    private int _streamsStarted;
    private int _streamsWaiting;
    private int _slowStarted;
    private int _aborted;
    private int _writeFailures;
    private int _echoes;

    public IssueApp(Action<MicroServerOptions>? configure = null)
    {
        App = new MicroApp();
        configure?.Invoke(App.ServerOptions);
        App.Get("/stream/:n", async (req, res) =>
        {
            Interlocked.Increment(ref _streamsStarted);
            var n = req.Params.GetInt("n");
            try
            {
                for (var i = 0; i < n; i++)
                {
                    var write = res.WriteAsync(Encoding.ASCII.GetBytes($"chunk {i}\n"));
                    if (!write.IsCompleted)
                    {
                        Signal(ref _streamsWaiting, StreamsWaiting);
                    }
                    await write;
                }
            }
            catch (Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                Interlocked.Increment(ref _writeFailures);
                throw;
            }
        });
        App.Get("/slow", async (req, res) =>
        {
            Signal(ref _slowStarted, SlowStarted);
            try
            {
                await _gate.Task.WaitAsync(req.Aborted);
            }
            catch (OperationCanceledException)
            {
                Signal(ref _aborted, Aborted);
                throw;
            }
            res.Send("slow done");
        });
        App.Post("/echo", (req, res) =>
        {
            res.Send(req.Body.Span);
            Signal(ref _echoes, EchoesAnswered);
        });
        // Blocks its reactor thread until the test releases it: what arrives meanwhile waits in the kernel and is
        // then read in one go. Only for tests that need to know how bytes will be split into reads.
        App.Get("/hold-reactor", (req, res) =>
        {
            _reactorHeld.Set();
            _releaseReactor.Wait(TimeSpan.FromSeconds(30));
            res.Send("released");
        });
        App.Get("/write-then-wait/:bytes", async (req, res) =>
        {
            await res.WriteAsync(new byte[req.Params.GetInt("bytes")]);
            Signal(ref _slowStarted, SlowStarted);
            await _gate.Task.WaitAsync(req.Aborted);
        });
    }

    public MicroApp App { get; }

    public Uri Start(int reactors = 2)
    {
        App.ServerOptions.ReactorCount = reactors;
        App.Listen(0);
        return new Uri($"http://{App.EndPoints[0]}");
    }

    public MicroServer Server => App.Server!;

    public void OpenGate() => _gate.TrySetResult();

    /// <summary>Waits until a /hold-reactor request blocks its reactor.</summary>
    public bool WaitUntilReactorHeld() => _reactorHeld.Wait(TimeSpan.FromSeconds(30));

    public void ReleaseReactor() => _releaseReactor.Set();

    /// <summary>Every connection has ended on the server's side, and every reactor still answers new ones.</summary>
    public async Task AssertAllClosedAndServingAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Server.WaitForConnectionCountAsync(0, deadline.Token);
        await ServerHealth.AssertEveryReactorAnswersAsync(Server);
    }

    public async ValueTask DisposeAsync()
    {
        _releaseReactor.Set();
        await App.StopAsync();
    }

    public int StreamsStarted => Volatile.Read(ref _streamsStarted);

    public int WriteFailures => Volatile.Read(ref _writeFailures);

    /// <summary>Stream handlers whose WriteAsync did not complete at once (waiting for room or for their turn).</summary>
    public Threshold StreamsWaiting { get; } = new();

    public Threshold SlowStarted { get; } = new();

    /// <summary>POST /echo requests handled.</summary>
    public Threshold EchoesAnswered { get; } = new();

    /// <summary>Slow handlers that saw req.Aborted fire.</summary>
    public Threshold Aborted { get; } = new();

    private static void Signal(ref int counter, Threshold threshold) => threshold.Reached(Interlocked.Increment(ref counter));

    /// <summary>Completes a task once a counter reaches a target.</summary>
    internal sealed class Threshold
    {
        private readonly Lock _lock = new();
        private readonly List<(int Target, TaskCompletionSource Reached)> _waiters = [];
        private int _value;

        public Task WhenAtLeast(int target, TimeSpan timeout)
        {
            lock (_lock)
            {
                if (_value >= target)
                {
                    return Task.CompletedTask;
                }
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((target, waiter));
                return waiter.Task.WaitAsync(timeout);
            }
        }

        public void Reached(int value)
        {
            lock (_lock)
            {
                _value = Math.Max(_value, value);
                foreach (var waiter in _waiters.Where(w => w.Target <= _value).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}
