using Microsoft.Extensions.Logging;

namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 20: a handle dies with its exchange. An async void handler (it compiles) returned at once, the server moved on
/// to the next request on the connection with the same pooled Request and Response, and the late write landed in the
/// neighbour's response: that request got a 500 whose stack trace pointed at the innocent handler.
/// </summary>
public sealed class StaleHandleTests
{
    private readonly TaskCompletionSource _lateMayWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception> _lateWriteFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);

#pragma warning disable MICRO001 // the defect under test: an async void handler
    private async void LateHandler(Request req, Response res)
#pragma warning restore MICRO001
    {
        await _lateMayWrite.Task;
        try
        {
            res.Status(201).Header("X-Late", "yes").Send("late");
        }
        catch (Exception exception)
        {
            _lateWriteFailed.TrySetResult(exception);
            throw;
        }
        _lateWriteFailed.TrySetResult(new Exception("the late write went through"));
    }

    [Fact]
    public async Task A_late_write_from_an_async_void_handler_throws_instead_of_landing_in_the_next_response()
    {
        var log = new RecordingLoggerProvider();
        using var factory = new LoggerFactory([log]);
        var nextStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var nextMayAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp(loggerFactory: factory);
        app.Get("/late", LateHandler);
        app.Get("/next", async (req, res) =>
        {
            nextStarted.TrySetResult();
            await nextMayAnswer.Task;
            res.Send($"next {req.Path}");
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /late HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            await nextStarted.Task.WaitAsync(TimeSpan.FromSeconds(30)); // /late has returned; /next holds the connection's line
            _lateMayWrite.TrySetResult();
            var failure = await _lateWriteFailed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            nextMayAnswer.TrySetResult();
            var responses = await client.ReadResponsesAsync(2);

            Assert.IsType<InvalidOperationException>(failure);
            Assert.Contains("GET /late", failure.Message);
            Assert.Contains("async void", failure.Message);
            Assert.Equal(200, responses[1].Status);
            Assert.Equal("next /next", responses[1].Body);
            Assert.False(responses[1].Headers.ContainsKey("X-Late"));
        });
        // The late handler's exception is reported (the reactor logs what an async void method throws), not lost.
        Assert.Contains(log.Entries, entry => entry.Level == LogLevel.Error && entry.Exception is InvalidOperationException e && e.Message.Contains("GET /late"));
    }

    [Fact]
    public async Task Handlers_that_return_a_task_keep_their_pooled_handles_and_allocate_nothing_more()
    {
        // The check costs the ordinary path nothing: the same Request object serves every request of a connection.
        var seen = new HashSet<Request>(ReferenceEqualityComparer.Instance);
        var app = new MicroApp();
        app.Get("/sync", (req, res) =>
        {
            seen.Add(req);
            res.Send("ok");
        });
        app.Get("/async", async (req, res) =>
        {
            seen.Add(req);
            await Task.Yield();
            res.Send("ok");
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            for (var i = 0; i < 20; i++)
            {
                await client.SendAsync($"GET /{(i % 2 == 0 ? "sync" : "async")} HTTP/1.1\r\nHost: x\r\n\r\n");
                Assert.Equal("ok", (await client.ReadResponsesAsync(1))[0].Body);
            }
        });
        Assert.Single(seen);
    }

    [Fact]
    public async Task A_handler_that_goes_on_after_sending_a_file_keeps_its_exchange_until_it_returns()
    {
        // SendFile completes the response at once; the handler goes on. Its exchange was let go when the request
        // behind it completed, reset, and rented to a request read later, whose answer the handler's end then took
        // for its own. Now the line keeps it (and the answers behind it) until the handler returns.
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "0123456789");
        var firstMayReturn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldMayAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allHeldStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldStarted = 0;
        var log = new RecordingLoggerProvider();
        using var factory = new LoggerFactory([log]);
        var app = new MicroApp(loggerFactory: factory);
        app.Get("/file", async (req, res) =>
        {
            res.SendFile(path);
            await firstMayReturn.Task;
            firstReturned.SetResult();
        });
        app.Get("/quick", (req, res) => res.Send("quick"));
        app.Get("/held/:n", async (req, res) =>
        {
            if (Interlocked.Increment(ref heldStarted) == 3)
            {
                allHeldStarted.TrySetResult();
            }
            await heldMayAnswer.Task;
            res.Send($"held {req.Params["n"]}");
        });
        try
        {
            await TestApp.RunAsync(app, async (_, url) =>
            {
                await using var client = await TestApp.ConnectAsync(url);
                await client.SendAsync("GET /file HTTP/1.1\r\nHost: x\r\n\r\nGET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
                Assert.Equal("0123456789", (await client.ReadResponsesAsync(1))[0].Body); // sent while the handler goes on
                await client.SendAsync(string.Concat(Enumerable.Range(1, 3).Select(n => $"GET /held/{n} HTTP/1.1\r\nHost: x\r\n\r\n")));
                await allHeldStarted.Task.WaitAsync(TimeSpan.FromSeconds(30)); // on exchanges of their own, read while /file's handler runs
                firstMayReturn.SetResult();
                await firstReturned.Task.WaitAsync(TimeSpan.FromSeconds(30));
                heldMayAnswer.SetResult(); // their ends reach the reactor after the first handler's
                var answers = await client.ReadResponsesAsync(4);
                Assert.Equal(["quick", "held 1", "held 2", "held 3"], answers.Select(answer => answer.Body));
                Assert.All(answers, answer => Assert.Equal(200, answer.Status));
            });
        }
        finally
        {
            File.Delete(path);
        }
        Assert.DoesNotContain(log.Entries, entry => entry.Level >= LogLevel.Warning);
    }
}
