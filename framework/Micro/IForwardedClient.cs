using System.Net;

namespace Micro;

/// <summary>
/// The request's slot for what a trusted proxy said about the client (filled by the forwarded-headers middleware):
/// the root reads it through this port and names no middleware.
/// </summary>
internal interface IForwardedClient
{
    /// <summary>The client's address, or null when the proxy did not say.</summary>
    IPEndPoint? Client { get; }

    /// <summary>"http" or "https", or null when the proxy did not say.</summary>
    string? Scheme { get; }

    /// <summary>The host the client asked for, or null when the proxy did not say.</summary>
    string? Host { get; }
}
