using System.Threading.Tasks.Sources;
using Micro.Http;

namespace Micro.Tests.Http;

/// <summary>
/// The task a handler returns is consumed as the ValueTask contract asks: its result taken exactly once, also when it
/// had already completed (a pooled source, such as the ASP.NET Core host's request run, goes back to its pool then; a
/// connection that only looked at "completed successfully" left every such source behind, one allocation a request).
/// </summary>
public sealed class HandlerTaskTests
{
    [Theory]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("completed later")]
    public async Task A_handler_task_backed_by_a_source_is_consumed_once_per_request(string how)
    {
        var source = new CountingSource(how);
        await using var server = new TestServer(source.Handle, options => options.ReactorCount = 1);
        await using var client = await server.ConnectAsync();
        const int requests = 5;
        for (var i = 0; i < requests; i++)
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            var response = (await client.ReadResponsesAsync(1))[0];
            Assert.Equal(how == "failed" ? 500 : 200, response.Status);
        }
        Assert.Equal(requests, Volatile.Read(ref source.ResultsTaken));
        if (how == "failed")
        {
            Assert.Equal(requests, server.Errors.Count(error => error.Contains("the source failed", StringComparison.Ordinal)));
        }
    }

    /// <summary>One request at a time (the test sends the next after the answer): a single reusable source suffices.</summary>
    private sealed class CountingSource(string how) : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
        public int ResultsTaken;

        public ValueTask Handle(HttpExchange exchange)
        {
            _core.Reset();
            var task = new ValueTask(this, _core.Version);
            switch (how)
            {
                case "completed":
                    exchange.Respond(200, "text/plain"u8, "ok"u8);
                    _core.SetResult(true);
                    break;
                case "failed":
                    _core.SetException(new InvalidOperationException("the source failed"));
                    break;
                default:
                    _ = Task.Run(() =>
                    {
                        exchange.Connection!.Reactor.Post(_ =>
                        {
                            exchange.Respond(200, "text/plain"u8, "ok"u8);
                            _core.SetResult(true);
                        }, null);
                    });
                    break;
            }
            return task;
        }

        public void GetResult(short token)
        {
            Interlocked.Increment(ref ResultsTaken);
            _core.GetResult(token);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
