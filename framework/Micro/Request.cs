using System.Net;
using System.Text;
using Micro.Forms;
using Micro.Hosting;
using Micro.Http;
using Micro.Parser;
using Microsoft.Extensions.Primitives;

namespace Micro;

/// <summary>
/// The request a handler sees. Everything is read from the received bytes on demand: nothing becomes a string until
/// asked for. Path, method, query, headers, cookies and form are cached for the rest of the request; a header or a route
/// parameter asked for by name is made anew at each call.
/// </summary>
public sealed partial class Request
{
    private HttpExchange? _exchange;
    private RequestHead _head = null!;
    private string? _path;
    private string? _method;
    private RequestValues? _query; // made once, read through this request (as Params)
    private RequestValues? _headers;
    private Dictionary<object, object?>? _items;
    private IForwardedClient? _forwarded;
    private RequestSettings _settings = null!;
    private Microsoft.Extensions.DependencyInjection.AsyncServiceScope? _scope;

    /// <summary>The app serving the request (set once per pooled request object).</summary>
    internal MicroApp? App { get; set; }

    /// <summary>The app's JSON options, for what the request hands on (a WebSocket's messages).</summary>
    internal System.Text.Json.JsonSerializerOptions JsonOptions => _settings.Json;
    private Dictionary<string, string>? _cookies;
    private Dictionary<string, StringValues>? _form;
    private bool _multipartOpened;
    private object? _parsedBody; // the body a route's Accepts<T>() read and checked, returned by Json<T>
    private long _maxBodySize;

    // A request that outlived its exchange (Request.Upgraded.cs): an upgraded one's own copy of its head and the
    // connection it now belongs to; or, once retired, why it can no longer be used.
    private readonly byte[] _upgradedHead = [];
    private IUpgradedConnection? _upgradedTo;
    private string? _retired;
    private Response? _response;
    private readonly ByteRange[] _routeCaptures;
    private string[] _routeNames = [];
    private int _routeCount;
    private RouteParams? _params;

    internal Request(int maxCaptures)
    {
        _routeCaptures = new ByteRange[Math.Max(maxCaptures, 1)];
    }

    /// <summary>The compact copy of <paramref name="source"/> an upgraded connection keeps (see <see cref="CopyForUpgrade"/>).</summary>
    private Request(Request source, IUpgradedConnection connection) : this(source._routeCount)
    {
        source.RouteRanges.CopyTo(_routeCaptures); // ranges of the head, which the copy keeps
        SetRouteCaptures(source._routeNames, source._routeCount);
        App = source.App;
        _head = source._head.CopyParsed();
        _upgradedHead = source.HeadBytes.ToArray();
        _upgradedTo = connection;
        _settings = source._settings;
        _items = source._items;         // what middleware decided (the user it authenticated) stays with the connection
        KeepUserOf(source);
        _forwarded = source._forwarded;
        _path = source._path;
        _method = source._method;
        _headers = source._headers;
        _cookies = source._cookies;
    }

    /// <summary>
    /// A handle dies with its exchange: this request's exchange went on to serve another one while code its handler
    /// started may still hold it (see <see cref="Http.IExchangeState"/>). From now on it reads nothing of anyone's.
    /// </summary>
    internal void Retire(string reason)
    {
        _retired = reason;
        _exchange = null;
        _upgradedTo = null;
    }


    internal HttpExchange Exchange => _exchange ?? throw new InvalidOperationException(_retired ??
        "This request was upgraded to another protocol (a WebSocket): it has no HTTP response any more.");

    /// <summary>The response that answers this request (the pooled pair is made together, and stays together).</summary>
    internal Response Response
    {
        get => _response ?? throw new InvalidOperationException("This request has no response: an upgraded request's connection answers in its own protocol.");
        set => _response = value;
    }

    /// <summary>The bytes of the request head: the exchange's, or an upgraded request's own copy.</summary>
    private ReadOnlySpan<byte> HeadBytes => _exchange is null ? UpgradedHead : _exchange.RequestBytes;

    /// <summary>The method, upper case as sent ("GET", "POST", ...).</summary>
    public string Method => _method ??= _head.MethodName(HeadBytes);

    /// <summary>The path, percent-decoded ("/users/Jos%C3%A9" reads "/users/José").</summary>
    public string Path => _path ??= Uri.UnescapeDataString(Encoding.UTF8.GetString(RawPath));

    /// <summary>The path as sent, still percent-encoded.</summary>
    public ReadOnlySpan<byte> RawPath
    {
        get
        {
            var path = _head.Path.Of(HeadBytes);
            return path.IsEmpty ? "/"u8 : path;
        }
    }

    /// <summary>The request-target exactly as sent (path and query).</summary>
    public string RawTarget => Encoding.Latin1.GetString(_head.Target.Of(HeadBytes));

    /// <summary>The query string's parameters, decoded; a key sent several times has several values; typed getters answer 400 for a malformed value.</summary>
    public RequestValues Query => _head.HasQuery ? _query ??= new RequestValues(this) : RequestValues.NoQuery;

    /// <summary>The query as sent, after '?': what <see cref="Query"/> reads.</summary>
    internal ReadOnlySpan<byte> QueryBytes => _retired is null ? _head.Query.Of(HeadBytes) : throw new InvalidOperationException(_retired);

    /// <summary>The route's parameters: <c>req.Params["id"]</c>, <c>req.Params.GetInt("id")</c>.</summary>
    public RouteParams Params => _params ??= new RouteParams(this);

    /// <summary>Where the route table writes the ranges of the path its pattern captured (a route that reads none pays no view of them).</summary>
    internal Span<ByteRange> RouteCaptures => _routeCaptures;

    /// <summary>The names of the matched route's captures, in pattern order, and how many it captured.</summary>
    internal void SetRouteCaptures(string[] names, int count)
    {
        if (!ReferenceEquals(_routeNames, names))
        {
            _routeNames = names; // a route's names again (the same route request after request) store nothing: no write barrier
        }
        _routeCount = count;
    }

    internal ReadOnlySpan<string> RouteNames => _routeNames.AsSpan(0, _routeCount);

    internal ReadOnlySpan<ByteRange> RouteRanges => _routeCaptures.AsSpan(0, _routeCount);

    /// <summary>The pattern of the route that matched ("/notes/:id"), or null; for messages that name it.</summary>
    internal string? RoutePattern => _exchange?.Route;

    /// <summary>HTTP/1.0 or HTTP/1.1.</summary>
    public ProtocolVersion Version => _head.Version;

    /// <summary>The client's address.</summary>
    public IPEndPoint? RemoteEndPoint => _forwarded?.Client ?? (_exchange is null ? UpgradedTo.RemoteEndPoint : _exchange.RemoteEndPoint);

    /// <summary>"http", or what a trusted proxy says the client used ("https"), with <c>app.UseForwardedHeaders()</c>.</summary>
    public string Scheme => _forwarded?.Scheme ?? "http";

    /// <summary>True when a trusted proxy says the client connected with TLS.</summary>
    public bool IsHttps => string.Equals(Scheme, "https", StringComparison.OrdinalIgnoreCase);

    /// <summary>What a trusted proxy forwarded (set by the forwarded-headers middleware), null otherwise.</summary>
    internal IForwardedClient? Forwarded
    {
        get => _forwarded;
        set => _forwarded = value;
    }

    /// <summary>
    /// Cancelled when the client's connection closes before the response is sent (reset, timeout, server abort), as
    /// ASP.NET Core's RequestAborted. A client that only half-closes after sending its requests is still answered.
    /// For an upgraded request (a WebSocket's), cancelled when that connection closes.
    /// </summary>
    public CancellationToken Aborted => _exchange is null ? UpgradedTo.Aborted : _exchange.RequestAborted;

    /// <summary>
    /// Every request header, by name in any case; a header sent several times has several values, in order. Made on
    /// first use and cached for the request (<see cref="Header"/> reads one without building it).
    /// </summary>
    public RequestValues Headers => _headers ??= ReadHeaders();

    /// <summary>
    /// The host the request names (host and port, as sent): the Host header, or an absolute-form target's authority,
    /// which RFC 9112 section 3.2.2 puts before the header (<c>req.Headers</c> keeps the line as sent); null for an
    /// HTTP/1.0 request without either; behind a trusted proxy, the host it forwarded.
    /// </summary>
    public string? Host => _forwarded?.Host ?? (_head.HasHost ? Encoding.Latin1.GetString(_head.Host.Of(HeadBytes)) : null);

    /// <summary>The client's IP address as text ("127.0.0.1", "::1"), or null when unknown; behind a trusted proxy, the address it forwarded.</summary>
    public string? Ip => RemoteEndPoint?.Address.ToString();

    /// <summary>
    /// Which of <paramref name="types"/> the client prefers, by its Accept header with q-values; null when it accepts
    /// none of them (answer 406). Types are media types or short names: <c>req.Accepts("json", "html")</c>.
    /// </summary>
    public string? Accepts(params ReadOnlySpan<string> types) => MediaTypeNegotiation.Choose(ListHeader("Accept"), types);

    /// <summary>State for this request only, shared by its middleware and handler (as ASP.NET Core's HttpContext.Items); made on first use.</summary>
    public IDictionary<object, object?> Items => _items ??= [];

    /// <summary>
    /// This request's services (a scope of the app's, made on first use and disposed after the handler is done):
    /// scoped services are the request's own, singletons are shared. Needs an app built by <c>MicroApp.CreateBuilder</c>.
    /// </summary>
    public IServiceProvider Services
    {
        get
        {
            if (_scope is { } scope)
            {
                return scope.ServiceProvider;
            }
            var factory = _settings.ScopeFactory ?? throw new InvalidOperationException(
                "This app has no services: build it with MicroApp.CreateBuilder(args), add them to builder.Services, then builder.Build().");
            _scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(factory);
            return _scope.Value.ServiceProvider;
        }
    }

    internal bool HasServiceScope => _scope is not null;

    internal ValueTask DisposeServiceScopeAsync()
    {
        var scope = _scope!.Value;
        _scope = null;
        return scope.DisposeAsync();
    }

    /// <summary>The value of the first header named <paramref name="name"/> (any case), or null.</summary>
    public string? Header(string name) =>
        _head.TryGetHeader(HeadBytes, name, out var value) ? Encoding.Latin1.GetString(value.Of(HeadBytes)) : null;

    /// <summary>
    /// A list-valued header (Accept, Sec-WebSocket-Extensions) as one value: the lines of a field sent several times
    /// joined by commas, in order, which is what they mean (RFC 9110 section 5.3); null when absent. One line is
    /// <see cref="Header"/>'s value. Built once at its final length: a head of many such lines costs its size, not its
    /// square.
    /// </summary>
    internal string? ListHeader(string name)
    {
        var bytes = HeadBytes;
        var (lines, length) = (0, 0);
        foreach (var field in _head.Headers)
        {
            if (IsNamed(field, bytes, name))
            {
                (lines, length) = (lines + 1, length + field.Value.Length);
            }
        }
        if (lines <= 1)
        {
            return lines == 0 ? null : Header(name);
        }
        var joined = new byte[length + (lines - 1) * 2];
        var at = 0;
        foreach (var field in _head.Headers)
        {
            if (IsNamed(field, bytes, name))
            {
                if (at > 0)
                {
                    ", "u8.CopyTo(joined.AsSpan(at));
                    at += 2;
                }
                field.Value.Of(bytes).CopyTo(joined.AsSpan(at));
                at += field.Value.Length;
            }
        }
        return Encoding.Latin1.GetString(joined);
    }

    private static bool IsNamed(HeaderField field, ReadOnlySpan<byte> bytes, string name) =>
        field.Name.Length == name.Length && Ascii.EqualsIgnoreCase(field.Name.Of(bytes), name);

    /// <summary>The request's cookies, parsed from every Cookie header when first asked for; a name sent twice keeps its first value.</summary>
    public IReadOnlyDictionary<string, string> Cookies => _cookies ??= ParseCookies();

    /// <summary>
    /// The fields of an <c>application/x-www-form-urlencoded</c> body, decoded, with repeated names kept. Any other
    /// Content-Type answers 415; a form past <see cref="MicroApp.FormLimits"/> (1,024 values by default) answers 413.
    /// </summary>
    public IReadOnlyDictionary<string, StringValues> Form()
    {
        if (_form is not null)
        {
            return _form;
        }
        var contentType = Header("Content-Type");
        if (contentType is null || !contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            throw new HttpError(415, $"Expected an application/x-www-form-urlencoded body, not '{contentType ?? "none"}'.");
        }
        return _form = Forms.UrlEncodedForm.Parse(BodyBytes, _settings.FormLimits);
    }

    private RequestValues ReadHeaders()
    {
        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var bytes = HeadBytes;
        foreach (var header in _head.Headers)
        {
            var name = Encoding.Latin1.GetString(header.Name.Of(bytes));
            var value = Encoding.Latin1.GetString(header.Value.Of(bytes));
            headers[name] = headers.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }
        return new RequestValues(headers, "Header");
    }

    private Dictionary<string, string> ParseCookies()
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        var bytes = HeadBytes;
        foreach (var header in _head.Headers)
        {
            if (!Ascii.EqualsIgnoreCase(header.Name.Of(bytes), "Cookie"u8))
            {
                continue;
            }
            // RFC 6265 section 5.4: cookie-pair *( ";" SP cookie-pair ); be lenient about the spaces.
            foreach (var pair in Encoding.Latin1.GetString(header.Value.Of(bytes)).Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0)
                {
                    continue;
                }
                var value = pair[(equals + 1)..].Trim(); // "a = 1" is a=1, as its name is trimmed
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1];
                }
                cookies.TryAdd(pair[..equals].Trim(), Uri.UnescapeDataString(value));
            }
        }
        return cookies;
    }

    /// <summary>
    /// The parts of a multipart/form-data body, read as they arrive: <c>await foreach (var part in req.Multipart())</c>.
    /// Files are never buffered whole; see <see cref="FormPart.SaveAsAsync(string, long, CancellationToken)"/> and <see cref="FormPart.CopyToAsync(Stream, long, CancellationToken)"/>.
    /// Another Content-Type answers 415.
    /// </summary>
    public MultipartFormReader Multipart(int maxParts = 1000)
    {
        if (_multipartOpened)
        {
            throw new InvalidOperationException(
                "req.Multipart() was called twice for one request: the parts are read once, as they arrive. Keep the first reader (or what you took from its parts).");
        }
        ThrowIfBodyReadFrom("req.Multipart()");
        _multipartOpened = true;
        return new(Header("Content-Type"), BodyStream, maxParts);
    }

    /// <summary>The route's own body limit, for a streamed body read whole (the engine enforced it on arrival).</summary>
    internal void LimitBody(long limit) => _maxBodySize = limit;

    /// <summary>The body as a route's metadata read it (RouteMetadata.Accepts), for the handler's Json&lt;T&gt;.</summary>
    internal void KeepParsedBody(object value) => _parsedBody = value;

    internal void Attach(HttpExchange exchange, RequestSettings settings)
    {
        // The same exchange and the app's settings come back request after request to a pooled request (its context
        // lives with its exchange): each is stored only when it changes, since a reference stored costs a write barrier.
        if (!ReferenceEquals(_exchange, exchange))
        {
            _exchange = exchange;
            _head = exchange.Head;
        }
        if (!ReferenceEquals(_settings, settings))
        {
            _settings = settings;
        }
        _maxBodySize = settings.MaxBodySize;
        _scope = null;
        _headers = null;
        _items = null;
        _forwarded = null;
        _path = null;
        _method = null;
        _query?.Forget();
        _cookies = null;
        _form = null;
        _parsedBody = null;
        _multipartOpened = false;
        if (_trailers is not null)
        {
            ForgetTrailers();
        }
        if (_user is not null || _companion is not null)
        {
            ForgetUser(); // only a request that was given a user, or has a companion, has one to forget
        }
        _routeCount = 0; // the names stay (read only up to the count), so the next request's route, likely the same, stores nothing
    }
}
