using System.Text;

namespace Micro.AspNetCore;

/// <summary>
/// IHttpResponseTrailersFeature where HTTP/1.1 allows it: trailer fields after the last chunk of a chunked response
/// (RFC 9112 section 7.1.2). Offered to HTTP/1.1 requests other than HEAD (Response.SupportsTrailers() is false for the
/// rest); a response with trailers is sent chunked even when written whole, unless the app set a Content-Length, which
/// leaves no place for them. Fields that frame or route a message are not allowed as trailers (RFC 9110 section 6.5.1)
/// and are left out.
/// </summary>
internal abstract partial class RequestFeatures : IHttpResponseTrailersFeature
{
    private readonly HeaderDictionary _trailers = new();
    private IHeaderDictionary? _replacedTrailers;
    private bool _trailersOffered;

    IHeaderDictionary IHttpResponseTrailersFeature.Trailers
    {
        get => _trailersOffered ? _replacedTrailers ?? _trailers : null!; // null: SupportsTrailers() says no
        set => _replacedTrailers = value;
    }

    private IHeaderDictionary Trailers => _replacedTrailers ?? _trailers;

    /// <summary>Whether the response ends with trailer fields.</summary>
    private bool HasTrailers => _trailersOffered && Trailers.Count > 0;

    private void StartTrailers(Micro.Http.HttpExchange exchange) =>
        _trailersOffered = exchange.Head.Version == Micro.Parser.ProtocolVersion.Http11 && !exchange.IsHeadRequest;

    /// <summary>The trailer section's lines ("Name: value\r\n"), checked as header lines are; fixed from now on.</summary>
    private byte[] TrailerLines()
    {
        _trailers.IsReadOnly = true;
        var lines = new StringBuilder();
        foreach (var (name, values) in Trailers)
        {
            if (IsForbiddenTrailer(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                Micro.Http.ResponseHeaders.Validate(HeaderBytes.AsciiBytes(name), HeaderBytes.AsciiBytes(value ?? ""));
                lines.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }
        return Encoding.ASCII.GetBytes(lines.ToString()); // every name and value checked ASCII above
    }

    private static bool IsForbiddenTrailer(string name) =>
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase);

    private void ResetTrailers()
    {
        _trailers.IsReadOnly = false;
        _trailers.Clear();
        _replacedTrailers = null;
        _trailersOffered = false;
    }
}
