using System.Collections;
using Micro.Http;
using Micro.Transport;
using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore;

/// <summary>
/// The features of one request, implemented over Micro's exchange as Kestrel implements them over its connection:
/// the request line and headers read from the exchange's bytes (the headers only when first asked for), the body
/// read in place or as it arrives, the response collected and handed to the exchange on its reactor. This file: the
/// collection (the features this object is, and those middleware sets beside or over them) and its life, reused
/// from a pool. The request side is in RequestFeatures.Request.cs, the response side in RequestFeatures.Response.cs.
/// </summary>
internal abstract partial class RequestFeatures : IFeatureCollection
{
    // Features middleware sets (or replaces: the response compression middleware replaces the body feature), found
    // before the ones this object is. A small array reused with the object: a request sets a handful.
    private KeyValuePair<Type, object?>[] _set = new KeyValuePair<Type, object?>[8];
    private int _setCount;
    private int _revision;

    protected RequestFeatures(MicroServerHostOptions options)
    {
        Options = options;
        _responseWriter = new HttpResponsePipeWriter(this);
        _outbox = new ResponseOutbox(_responseWriter);
        _responseStream = new HttpResponseStream(this);
        _requestStream = new HttpRequestStream(this);
    }

    protected MicroServerHostOptions Options { get; }

    /// <summary>The exchange being served; null once its response is complete and the exchange went back to its connection.</summary>
    protected HttpExchange? Exchange { get; private set; }

    /// <summary>The exchange's connection (kept: its id and addresses are asked for after the exchange has gone).</summary>
    private HttpConnection? _connection;

    /// <summary>The reactor that owns the exchange: everything done to the exchange is done there.</summary>
    protected Reactor Reactor { get; private set; } = null!;

    /// <summary>Takes the request: what every request needs is read now, on the reactor; the rest when asked for.</summary>
    protected void Start(HttpExchange exchange)
    {
        Exchange = exchange;
        _connection = exchange.Connection;
        Reactor = _connection!.Reactor;
        _aborted = exchange.RequestAborted;
        StartRequest(exchange);
        StartUpgradable(exchange);
        StartTrailers(exchange);
    }

    /// <summary>The exchange is done with (its response complete): nothing may reach it from now on.</summary>
    protected void ReleaseExchange() => Exchange = null;

    /// <summary>Ready for another request: what the last one set is forgotten, buffers go back.</summary>
    protected void Reset()
    {
        Array.Clear(_set, 0, _setCount);
        _setCount = 0;
        _revision++;
        Exchange = null;
        _connection = null;
        ResetRequest();
        ResetResponse();
        ResetUpgrade();
        ResetRouting();
        ResetTrailers();
    }

    public bool IsReadOnly => false;

    public int Revision => _revision;

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            for (var i = 0; i < _setCount; i++)
            {
                if (_set[i].Key == key)
                {
                    return _set[i].Value;
                }
            }
            return Own(key);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _revision++;
            for (var i = 0; i < _setCount; i++)
            {
                if (_set[i].Key == key)
                {
                    _set[i] = new(key, value);
                    return;
                }
            }
            if (_setCount == _set.Length)
            {
                Array.Resize(ref _set, _set.Length * 2);
            }
            _set[_setCount++] = new(key, value);
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    /// <summary>The features this object is, by type.</summary>
    private static readonly Type[] s_own =
    [
        typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature), typeof(IHttpConnectionFeature),
        typeof(IHttpRequestLifetimeFeature), typeof(IHttpRequestIdentifierFeature), typeof(IHttpMaxRequestBodySizeFeature),
        typeof(IHttpRequestBodyDetectionFeature), typeof(IHttpBodyControlFeature), typeof(IHttpUpgradeFeature),
        typeof(Microsoft.AspNetCore.Http.Features.IEndpointFeature), typeof(Microsoft.AspNetCore.Http.Features.IRouteValuesFeature),
        typeof(IHttpResponseTrailersFeature),
    ];

    private object? Own(Type key)
    {
        foreach (var type in s_own)
        {
            if (type == key)
            {
                return this;
            }
        }
        return null;
    }

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (var i = 0; i < _setCount; i++)
        {
            if (_set[i].Value is { } value)
            {
                yield return new(_set[i].Key, value);
            }
        }
        foreach (var type in s_own)
        {
            if (!IsSet(type))
            {
                yield return new(type, this);
            }
        }
    }

    private bool IsSet(Type type)
    {
        for (var i = 0; i < _setCount; i++)
        {
            if (_set[i].Key == type)
            {
                return true;
            }
        }
        return false;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
