namespace Micro.Transport;

/// <summary>
/// A host's own account of its connections (the ASP.NET Core host keeps Kestrel's metrics with it), beside the
/// server's metrics: told on the reactor as a connection is accepted, refused at the cap, and closed. It must return at
/// once; the reactor calls it for every connection.
/// </summary>
internal interface IConnectionObserver
{
    /// <summary>A connection was accepted and is being served.</summary>
    void Opened();

    /// <summary>A connection closed; <paramref name="openedAt"/> is its <see cref="System.Diagnostics.Stopwatch"/> timestamp at accept.</summary>
    void Closed(long openedAt);

    /// <summary>A connection was closed at accept: the server was at its connection cap.</summary>
    void Rejected();
}
