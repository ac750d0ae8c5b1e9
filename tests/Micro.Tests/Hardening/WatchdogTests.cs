using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Micro.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 20: a reactor that stops turning is reported, and never keeps the process from stopping. A handler that calls
/// .Result on an async method deadlocked its reactor for good with nothing logged, and SIGTERM had no effect after 60 s;
/// Thread.Sleep(3000) stalled every neighbour for 2.7 s, silently.
/// </summary>
public sealed class WatchdogTests
{
    /// <summary>Hands every entry to a test as it is logged.</summary>
    private sealed class WaitingLogger : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<(string Text, TaskCompletionSource<(LogLevel, string)> Seen)> _awaited = new();

        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public Task<(LogLevel Level, string Message)> WaitForAsync(string text)
        {
            var seen = new TaskCompletionSource<(LogLevel, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaited.Enqueue((text, seen));
            foreach (var entry in Entries.Where(entry => entry.Message.Contains(text, StringComparison.Ordinal)))
            {
                seen.TrySetResult(entry);
            }
            return seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            Entries.Enqueue((logLevel, message));
            foreach (var (text, seen) in _awaited.Where(awaited => message.Contains(awaited.Text, StringComparison.Ordinal)))
            {
                seen.TrySetResult((logLevel, message));
            }
        }

        public void Dispose()
        {
        }
    }

    private readonly ManualResetEventSlim _released = new();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BlocksTheReactor(Request req, Response res)
    {
        _released.Wait(TimeSpan.FromSeconds(60)); // what a careless handler does: Thread.Sleep, .Wait(), a lock
        res.Send("released");
    }

    [Fact]
    public async Task A_reactor_blocked_by_a_handler_is_logged_with_the_request_its_route_and_its_stack_and_again_when_it_returns()
    {
        var log = new WaitingLogger();
        using var factory = new LoggerFactory([log]);
        var app = new MicroApp(new MicroServerOptions { ReactorStallTimeout = TimeSpan.FromMilliseconds(500) }, factory);
        app.Get("/block/:n", BlocksTheReactor);
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /block/7 HTTP/1.1\r\nHost: x\r\n\r\n");
            LogLevel level;
            string message;
            try
            {
                (level, message) = await log.WaitForAsync("has not come back to its loop");
            }
            finally
            {
                _released.Set();
            }
            Assert.Equal(LogLevel.Error, level);
            Assert.Contains("running GET /block/7 (route /block/:n)", message);
            Assert.Contains($"at {typeof(WatchdogTests).FullName}.{nameof(BlocksTheReactor)}(", message);
            Assert.Equal("released", (await client.ReadResponsesAsync(1))[0].Body);
            var (resumedLevel, _) = await log.WaitForAsync("came back to its loop after");
            Assert.Equal(LogLevel.Warning, resumedLevel);
            await ServerHealth.AssertEveryReactorAnswersAsync(app.Server!);
        });
        Assert.Single(log.Entries, entry => entry.Message.Contains("has not come back", StringComparison.Ordinal)); // once per stall
    }

    [Fact]
    public async Task Sigterm_ends_the_process_after_the_shutdown_timeout_even_with_a_reactor_deadlocked_in_a_handler()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var app = await ServedProcess.StartAsync(BuiltApps.TargetApp, deadline.Token, environment: new Dictionary<string, string>
        {
            ["TARGET_SHUTDOWN_TIMEOUT"] = "00:00:02",
            ["TARGET_STALL_TIMEOUT"] = "00:00:00.500",
        });
        using var client = new HttpClient { BaseAddress = new Uri(app.Url), Timeout = Timeout.InfiniteTimeSpan };
        var deadlocked = client.GetAsync("/deadlock", deadline.Token); // .Result on its own continuation: never answers
        await app.WaitForOutputAsync("has not come back to its loop", deadline.Token);
        Assert.Contains("running GET /deadlock (route /deadlock)", app.Output);
        Assert.Contains("at SyncOverAsync.Answer()", app.Output);

        app.SendSigterm();
        Assert.Equal(0, await app.WaitForExitAsync(deadline.Token)); // before: never, until SIGKILL
        Assert.Contains("is still stuck after the shutdown timeout", app.Output);
        await Assert.ThrowsAnyAsync<Exception>(() => deadlocked); // the connection went with the process
    }
}
