using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Routing;

namespace Micro.AspNetCore;

/// <summary>
/// The request's features: read from the Micro request when first asked for; what middleware sets (a rewritten path,
/// another scheme) is kept for the rest of the request, on this side only.
/// </summary>
internal sealed partial class MicroRequestContext :
    IHttpRequestFeature, IHttpConnectionFeature, IHttpRequestLifetimeFeature, IHttpRequestIdentifierFeature, IServiceProvidersFeature,
    IHttpAuthenticationFeature, IItemsFeature, IHttpMaxRequestBodySizeFeature, IHttpRequestBodyDetectionFeature, IRouteValuesFeature
{
    private string? _protocol;
    private string? _scheme;
    private string? _method;
    private string? _pathBase;
    private string? _path;
    private string? _queryString;
    private string? _rawTarget;
    private IHeaderDictionary? _requestHeaders;
    private Stream? _requestBody;
    private bool _bodyReplaced; // a middleware set HttpRequest.Body: the route reads its body from that (HandBodyOverAsync)
    private string? _traceIdentifier;
    private string? _connectionId;
    private IServiceProvider? _requestServices;
    private IDictionary<object, object?>? _itemsOverride;
    private RouteValueDictionary? _routeValues;
    private long? _maxRequestBodySize;
    private IPAddress? _remoteAddress;
    private int? _remotePort;

    private void ResetRequest()
    {
        (_protocol, _scheme, _method, _pathBase, _path, _queryString, _rawTarget) = (null, null, null, null, null, null, null);
        (_requestHeaders, _requestBody, _traceIdentifier, _connectionId, _requestServices, _itemsOverride, _routeValues) = (null, null, null, null, null, null, null);
        (_maxRequestBodySize, _remoteAddress, _remotePort, _bodyReplaced) = (null, null, null, false);
    }

    string IHttpRequestFeature.Protocol
    {
        get => _protocol ??= _request.Version == Parser.ProtocolVersion.Http10 ? HttpProtocol.Http10 : HttpProtocol.Http11;
        set => _protocol = value;
    }

    string IHttpRequestFeature.Scheme { get => _scheme ??= _request.Scheme; set => _scheme = value; }

    string IHttpRequestFeature.Method { get => _method ??= _request.Method; set => _method = value; }

    string IHttpRequestFeature.PathBase { get => _pathBase ?? ""; set => _pathBase = value; }

    string IHttpRequestFeature.Path { get => _path ??= _request.Path; set => _path = value; }

    /// <summary>
    /// Whether middleware changed the request's method or path (a rewrite rule, UsePathBase): Micro chose the route from
    /// the request as sent. <paramref name="change"/> says from what to what.
    /// </summary>
    private bool WasRewritten(out string change)
    {
        var method = _method ?? _request.Method;
        var path = (_pathBase ?? "") + (_path ?? _request.Path);
        if (string.Equals(method, _request.Method, StringComparison.Ordinal) && string.Equals(path, _request.Path, StringComparison.Ordinal))
        {
            change = "";
            return false;
        }
        change = $"{_request.Method} {_request.Path} -> {method} {path}";
        return true;
    }

    string IHttpRequestFeature.QueryString
    {
        get
        {
            if (_queryString is null)
            {
                var target = ((IHttpRequestFeature)this).RawTarget;
                var question = target.IndexOf('?', StringComparison.Ordinal);
                _queryString = question < 0 ? "" : target[question..];
            }
            return _queryString;
        }
        set => _queryString = value;
    }

    string IHttpRequestFeature.RawTarget { get => _rawTarget ??= _request.RawTarget; set => _rawTarget = value; }

    /// <summary>The request's headers as ASP.NET Core's dictionary: built from the received bytes when first asked for.</summary>
    IHeaderDictionary IHttpRequestFeature.Headers
    {
        get
        {
            if (_requestHeaders is null)
            {
                var headers = new HeaderDictionary(_request.Headers.Count);
                foreach (var (name, values) in _request.Headers)
                {
                    headers[name] = values;
                }
                _requestHeaders = headers;
            }
            return _requestHeaders;
        }
        set => _requestHeaders = value;
    }

    Stream IHttpRequestFeature.Body { get => _requestBody ??= _request.BodyStream; set => (_requestBody, _bodyReplaced) = (value, true); }

    /// <summary>Whether a middleware put a stream of its own in the body's place, which the route is to read (<see cref="HandBodyOverAsync"/>).</summary>
    private bool BodyReplaced => _bodyReplaced;

    /// <summary>
    /// On into Micro after a middleware put a stream of its own in the body's place (ASP.NET Core's request
    /// decompression; a logger that buffered the body with EnableBuffering, read it and rewound it): the Micro request
    /// reads its body from that stream, as the next middleware would on ASP.NET Core. A body read whole before the
    /// route is read whole from it now, so the route's req.Body, Json and Text give what the middleware made of it, and
    /// HttpRequest.Body is a stream over those bytes again; a streamed one is read from it as the route goes.
    /// </summary>
    private async ValueTask HandBodyOverAsync()
    {
        var replacement = _requestBody!;
        _bodyReplaced = false;
        await _request.ReadBodyFromAsync(replacement).ConfigureAwait(true);
        if (!_request.IsBodyStreamed)
        {
            _requestBody = null;
        }
    }

    string IHttpConnectionFeature.ConnectionId
    {
        get => _connectionId ??= ConnectionIds.Format(_request.Exchange.Connection?.Id ?? 0);
        set => _connectionId = value;
    }

    IPAddress? IHttpConnectionFeature.RemoteIpAddress { get => _remoteAddress ?? _request.RemoteEndPoint?.Address; set => _remoteAddress = value; }

    int IHttpConnectionFeature.RemotePort { get => _remotePort ?? _request.RemoteEndPoint?.Port ?? 0; set => _remotePort = value; }

    IPAddress? IHttpConnectionFeature.LocalIpAddress { get => _request.Exchange.Connection?.LocalEndPoint?.Address; set { } }

    int IHttpConnectionFeature.LocalPort { get => _request.Exchange.Connection?.LocalEndPoint?.Port ?? 0; set { } }

    CancellationToken IHttpRequestLifetimeFeature.RequestAborted { get => _request.Aborted; set { } }

    void IHttpRequestLifetimeFeature.Abort() => _request.Exchange.Connection?.Abort(Micro.Transport.ConnectionError.AbortedByApp);

    /// <summary>
    /// Numbers the identifiers made without a trace: a clock reading was one, and pipelined requests read in the same
    /// millisecond shared it.
    /// </summary>
    private static int s_lastTrace;

    string IHttpRequestIdentifierFeature.TraceIdentifier
    {
        get => _traceIdentifier ??= System.Diagnostics.Activity.Current?.TraceId.ToString()
            ?? $"{((IHttpConnectionFeature)this).ConnectionId}:{(uint)Interlocked.Increment(ref s_lastTrace):X8}";
        set => _traceIdentifier = value;
    }

    /// <summary>The request's scope of the app's services: the one <c>req.Services</c> makes (and Micro disposes).</summary>
    IServiceProvider IServiceProvidersFeature.RequestServices { get => _requestServices ??= _request.Services; set => _requestServices = value; }

    /// <summary>The user is the Micro request's: what authentication decides, <c>req.User</c> reads.</summary>
    ClaimsPrincipal? IHttpAuthenticationFeature.User { get => _request.User; set => _request.User = value ?? new ClaimsPrincipal(new ClaimsIdentity()); }

    /// <summary>HttpContext.Items is <c>req.Items</c>: what ASP.NET Core middleware leaves there, a Micro handler reads.</summary>
    IDictionary<object, object?> IItemsFeature.Items { get => _itemsOverride ?? _request.Items; set => _itemsOverride = value; }

    bool IHttpMaxRequestBodySizeFeature.IsReadOnly => true;

    /// <summary>The limit the Micro app enforces (MicroServerOptions.MaxRequestBodySize); it cannot be changed from here.</summary>
    long? IHttpMaxRequestBodySizeFeature.MaxRequestBodySize
    {
        get => _maxRequestBodySize ?? _request.App?.ServerOptions.MaxRequestBodySize;
        set => throw new InvalidOperationException("A Micro app's request body limit is MicroServerOptions.MaxRequestBodySize; it cannot be changed per request from ASP.NET Core middleware.");
    }

    bool IHttpRequestBodyDetectionFeature.CanHaveBody => _request.IsBodyStreamed || !_request.Body.IsEmpty;

    /// <summary>The Micro route's parameters, as route values (made when first asked for).</summary>
    RouteValueDictionary IRouteValuesFeature.RouteValues
    {
        get
        {
            if (_routeValues is null)
            {
                _routeValues = [];
                foreach (var name in _request.Params.Names)
                {
                    _routeValues[name] = _request.Params[name];
                }
            }
            return _routeValues;
        }
        set => _routeValues = value;
    }
}
