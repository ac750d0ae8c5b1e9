using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Micro.Tests;

/// <summary>Keeps every log entry at or above Information, so tests can assert on what the server logged.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries { get; } = new();

    /// <summary>Told of each entry as it is recorded, on the thread that logs it (a test waits for one without polling).</summary>
    public event Action<LogLevel, string>? Logged;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            provider.Entries.Enqueue((logLevel, category, message, exception));
            provider.Logged?.Invoke(logLevel, message);
        }
    }
}
