using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// The features of one request, implemented over Micro's exchange as Kestrel implements them over its connection:
/// the request line and headers read from the exchange's bytes (the headers only when first asked for), the body
/// read in place or as it arrives, the response collected and handed to the exchange on its reactor. This file: the
/// collection (the features this object is, and those middleware sets beside or over them) and its life, reused
/// from a pool. The request side is in RequestFeatures.Request.cs, the response side in RequestFeatures.Response.cs.
/// </summary>
internal abstract partial class RequestFeatures : OwnFeatureCollection
{
    // The parts the features are made of, made once with them (each needs the features themselves): the response's
    // writer, outbox and stream, the request's body stream and its headers.
    private readonly HttpResponsePipeWriter _responseWriter;
    private readonly ResponseOutbox _outbox;
    private readonly HttpResponseStream _responseStream;
    private readonly HttpRequestStream _requestStream;
    private readonly HttpRequestPipeReader _requestPipeReader;
    private readonly RequestHeaderView _requestHeaders;

    protected RequestFeatures(MicroServerHostOptions options) : base(s_own)
    {
        Options = options;
        _responseWriter = new HttpResponsePipeWriter(this);
        _outbox = new ResponseOutbox(_responseWriter);
        _responseStream = new HttpResponseStream(this);
        _requestStream = new HttpRequestStream(this);
        _requestPipeReader = new HttpRequestPipeReader(_requestStream, this);
        _requestHeaders = new RequestHeaderView(() => Exchange, new RequestHeaderReader());
    }

    protected MicroServerHostOptions Options { get; }

    /// <summary>The exchange being served; null once its response is complete and the exchange went back to its connection.</summary>
    protected HttpExchange? Exchange { get; private set; }

    /// <summary>The exchange's connection (kept: its id and addresses are asked for after the exchange has gone).</summary>
    private HttpConnection? _connection;

    /// <summary>The reactor that owns the exchange: everything done to the exchange is done there.</summary>
    protected Reactor Reactor { get; private set; } = null!;

    /// <summary>
    /// Takes the request: what every request needs is read now, the rest when asked for. On the reactor, or on the lane
    /// (the request's bytes are the exchange's own by then, and nothing changes them while the application has it);
    /// <paramref name="aborted"/> was taken on the reactor, where the connection makes its token.
    /// </summary>
    protected void Start(HttpExchange exchange, CancellationToken aborted)
    {
        Exchange = exchange;
        _connection = exchange.Connection;
        Reactor = _connection!.Reactor;
        TakeAborted(aborted);
        StartRequest(exchange);
        StartUpgradable(exchange);
        StartTrailers(exchange);
        StartDataRates(exchange);
    }

    /// <summary>The exchange is done with (its response complete): nothing may reach it from now on.</summary>
    protected void ReleaseExchange() => Exchange = null;

    /// <summary>Ready for another request: what the last one set is forgotten, buffers go back.</summary>
    protected void Reset()
    {
        ForgetSetFeatures();
        Exchange = null;
        _connection = null;
        ResetRequest();
        ResetResponse();
        ResetLane();
        ResetUpgrade();
        ResetRouting();
        ResetTrailers();
        ResetDataRates();
        ResetRequestTrailers();
        ResetCompletion();
    }

    /// <summary>The features this object is, by type.</summary>
    private static readonly Type[] s_own =
    [
        typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature), typeof(IHttpConnectionFeature),
        typeof(IHttpRequestLifetimeFeature), typeof(IHttpRequestIdentifierFeature), typeof(IHttpMaxRequestBodySizeFeature),
        typeof(IHttpRequestBodyDetectionFeature), typeof(IHttpBodyControlFeature), typeof(IHttpUpgradeFeature),
        typeof(Microsoft.AspNetCore.Http.Features.IEndpointFeature), typeof(Microsoft.AspNetCore.Http.Features.IRouteValuesFeature),
        typeof(IHttpResponseTrailersFeature), typeof(IRequestBodyPipeFeature), typeof(IHttpRequestTrailersFeature),
        typeof(Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature),
        typeof(Microsoft.AspNetCore.Connections.Features.IConnectionCompleteFeature), typeof(Microsoft.AspNetCore.Connections.Features.IPersistentStateFeature),
        typeof(Microsoft.AspNetCore.Connections.Features.IConnectionMetricsTagsFeature),
        typeof(Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature),
        typeof(Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinResponseDataRateFeature), typeof(IHttpExtendedConnectFeature),
        typeof(IBadRequestExceptionFeature),
    ];
}
