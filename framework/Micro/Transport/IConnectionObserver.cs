namespace Micro.Transport;

/// <summary>
/// A host's own account of its connections (the ASP.NET Core host keeps Kestrel's metrics with it), beside the
/// server's metrics: told on the reactor as a connection is accepted, refused at the cap, and closed. It must return at
/// once; the reactor calls it for every connection.
/// </summary>
internal interface IConnectionObserver
{
    /// <summary>
    /// A connection was accepted and is being served. What it returns is kept on the connection
    /// (<see cref="TransportConnection.Observation"/>) and handed back when it upgrades and closes: what the connection
    /// was counted under, so its end leaves the same counts it joined (null: nothing was counted).
    /// </summary>
    object? Opened(TransportConnection connection);

    /// <summary>A connection closed; <paramref name="observation"/> is what <see cref="Opened"/> returned for it.</summary>
    void Closed(TransportConnection connection, object? observation);

    /// <summary>The socket <paramref name="fd"/>, just accepted, is being closed: the server was at its connection cap.</summary>
    void Rejected(int fd);
}
