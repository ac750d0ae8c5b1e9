using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// What the HTTP layer needs to know, built once when the server starts (as <c>TransportOptions</c> is for the
/// transport), so that the layer depends on nothing above it. Every value is explained where the user sets it, on
/// <c>Micro.Hosting.MicroServerOptions</c>.
/// </summary>
internal sealed record HttpServerOptions
{
    public HttpParserLimits ParserLimits { get; init; } = HttpParserLimits.Default;
    public long MaxRequestBodySize { get; init; } = 30_000_000;
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(130);
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public DataRate MinRequestBodyDataRate { get; init; } = new(240, TimeSpan.FromSeconds(5));
    public DataRate MinResponseDataRate { get; init; } = new(240, TimeSpan.FromSeconds(5));
    public int MaxResponseBufferSize { get; init; } = 64 * 1024;
    public int MaxPipelinedRequests { get; init; } = 128;
    public RequestHeadPredicate? StreamRequestBody { get; init; }

    /// <summary>A request's own body limit (its route's), in place of <see cref="MaxRequestBodySize"/>; null: that one for all.</summary>
    public RequestBodyLimit? BodyLimit { get; init; }

    /// <summary>The whole "Server: ...\r\n" line, or empty when the header is left out.</summary>
    public byte[] ServerLine { get; init; } = [];

    /// <summary>The server's own error answers (400, 413, 431, 500...) carry an application/problem+json body.</summary>
    public bool ProblemDetails { get; init; }

    /// <summary>A client's FIN while requests are answered ends the connection at once, as on Kestrel.</summary>
    public bool ClientFinAbortsRequests { get; init; }
}
