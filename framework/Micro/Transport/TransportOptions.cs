using System.Net;

namespace Micro.Transport;

/// <summary>What the transport needs to know; filled from <c>Micro.Hosting.MicroServerOptions</c> at start.</summary>
internal sealed record TransportOptions
{
    public required IReadOnlyList<IPEndPoint> EndPoints { get; init; }
    public int ReactorCount { get; init; } = Environment.ProcessorCount;
    public int? MaxConnections { get; init; }
    public int Backlog { get; init; } = 4096;
    public int BlockSize { get; init; } = 16 * 1024;
    public int ReadBufferSize { get; init; } = 64 * 1024;
    public int MaxInputBufferSize { get; init; } = 1024 * 1024;
    public long OutputHighWaterMark { get; init; } = 64 * 1024;
    public long OutputLowWaterMark { get; init; } = 16 * 1024;

    /// <summary>
    /// The reactors' clock in milliseconds (default <see cref="Environment.TickCount64"/>): every timeout and the
    /// once-a-second tick run on it, so a test can move time instead of waiting for it.
    /// </summary>
    public Func<long>? Clock { get; init; }

    /// <summary>A host's own account of the connections (see <see cref="IConnectionObserver"/>); null for none.</summary>
    public IConnectionObserver? Observer { get; init; }

    /// <summary>How long a connection the server ended waits, half-closed, for the client to close (see TransportConnection.Lingering).</summary>
    public TimeSpan LingerTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
