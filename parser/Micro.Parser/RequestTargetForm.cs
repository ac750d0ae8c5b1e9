namespace Micro.Parser;

/// <summary>The four forms of request-target (RFC 9112 section 3.2).</summary>
public enum RequestTargetForm : byte
{
    /// <summary>Not parsed yet.</summary>
    Unknown,
    /// <summary><c>/path?query</c>, the usual form.</summary>
    Origin,
    /// <summary><c>http://host/path?query</c>, sent to proxies and accepted by servers.</summary>
    Absolute,
    /// <summary><c>host:port</c>, only with CONNECT.</summary>
    Authority,
    /// <summary><c>*</c>, only with OPTIONS.</summary>
    Asterisk,
}
