using Microsoft.Extensions.Logging;

namespace Micro.Transport;

/// <summary>
/// The logger the engine writes through on its reactors: a provider that throws (a full disk, a broken sink, an
/// out-of-memory while formatting) loses that one entry, never the reactor. Without it, the log call in a failure's
/// containment was itself the thing that escaped, and a reactor with all its connections went down for a log line.
/// </summary>
internal sealed class FailSafeLogger(ILogger inner) : ILogger
{
    private static long s_lost;

    /// <summary>Entries lost to a throwing logger since the process started, for diagnostics.</summary>
    public static long Lost => Interlocked.Read(ref s_lost);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull
    {
        try
        {
            return inner.BeginScope(state);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref s_lost);
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref s_lost);
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref s_lost);
        }
    }
}
