using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Micro.AspNetCore;

/// <summary>
/// ASP.NET Core's view of a Micro request: an <see cref="HttpContext"/> whose features read the <see cref="Request"/>
/// and write the <see cref="Response"/> a Micro handler sees, so the two agree (the user authentication sets is
/// <c>req.User</c>, a header a middleware sets is on <c>res</c>). Made for a pooled request object the first time
/// one of its requests asks (<c>req.HttpContext</c>, or ASP.NET Core middleware running) and reused with it: a route
/// that never asks pays nothing. This file: the collection and its life; the request's features in
/// MicroRequestContext.Request.cs, the response's in MicroRequestContext.Response.cs.
/// </summary>
internal sealed partial class MicroRequestContext : OwnFeatureCollection, IRequestCompanion
{
    private static readonly Type[] s_own =
    [
        typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature), typeof(IHttpConnectionFeature),
        typeof(IHttpRequestLifetimeFeature), typeof(IHttpRequestIdentifierFeature), typeof(IServiceProvidersFeature),
        typeof(IHttpAuthenticationFeature), typeof(IItemsFeature), typeof(IHttpMaxRequestBodySizeFeature),
        typeof(IHttpRequestBodyDetectionFeature), typeof(IHttpBodyControlFeature), typeof(IRouteValuesFeature),
    ];

    private readonly Request _request;
    private readonly Response _response;
    private readonly DefaultHttpContext _context;
    private readonly BufferedResponseBody _body; // the response side's (MicroRequestContext.Response.cs), made with the context
    private readonly MicroResponseHeaders _responseHeaders;
    private bool _serving;

    private MicroRequestContext(Request request, Response response) : base(s_own)
    {
        _request = request;
        _response = response;
        _context = new DefaultHttpContext(this);
        _serving = true;
        _body = new BufferedResponseBody(this);
        _responseHeaders = new MicroResponseHeaders(response);
    }

    /// <summary>The HttpContext of the request <paramref name="request"/> is serving now, made on its first use.</summary>
    public static MicroRequestContext For(Request request, Response response)
    {
        if (request.Companion is not MicroRequestContext context)
        {
            request.Companion = context = new MicroRequestContext(request, response);
        }
        context.Serve();
        return context;
    }

    public HttpContext HttpContext => _context;

    /// <summary>A new request on the pooled request object: the context is made over it afresh (its feature caches emptied).</summary>
    private void Serve()
    {
        if (_serving)
        {
            return;
        }
        _serving = true;
        _context.Uninitialize();
        _context.Initialize(this);
    }

    public void OnNextRequest()
    {
        if (!_serving)
        {
            return;
        }
        _serving = false;
        ForgetSetFeatures();
        ResetRequest();
        ResetResponse();
    }
}
