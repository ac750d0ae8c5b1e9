namespace Micro.AspNetCore;

/// <summary>
/// IHttpRequestTrailersFeature, as Kestrel gives it over HTTP/1.1: the trailer fields of a chunked body (RFC 9112
/// section 7.1.2), available once the application has read the body to its end, through HttpRequest.Body or
/// BodyReader; a body with a length has none, available at its end alike, and a request without a body from the
/// start. Copied out of the engine then, so they
/// are there after the response too. Kept apart from the request's headers, as RFC 9110 section 6.5.2 asks.
/// </summary>
internal abstract partial class RequestFeatures : IHttpRequestTrailersFeature
{
    private HeaderDictionary? _requestTrailers; // made for the first request that sends some, then reused
    private bool _requestTrailersAvailable;

    /// <summary>A request without a body has its (no) trailers from the start, as on Kestrel.</summary>
    bool IHttpRequestTrailersFeature.Available => RequestTrailersAvailable;

    private bool RequestTrailersAvailable => _requestTrailersAvailable || !_requestStream.CanHaveBody;

    IHeaderDictionary IHttpRequestTrailersFeature.Trailers => RequestTrailersAvailable
        ? _requestTrailers ??= new HeaderDictionary()
        : throw new InvalidOperationException("The request trailers are not available yet. They may not be available until the full request body is read.");

    /// <summary>The application has read the body to its end: its trailer fields, if any, are taken from the exchange.</summary>
    internal void OnRequestBodyEnded()
    {
        if (_requestTrailersAvailable)
        {
            return;
        }
        _requestTrailersAvailable = true;
        var lines = Exchange is { } exchange ? exchange.RequestTrailers.Span : default;
        RequestHeaderText.ReadTrailers(lines, ref _requestTrailers);
    }

    private void ResetRequestTrailers()
    {
        _requestTrailersAvailable = false;
        _requestTrailers?.Clear();
    }
}
