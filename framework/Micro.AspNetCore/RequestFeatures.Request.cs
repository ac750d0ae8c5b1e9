using System.IO.Pipelines;
using System.Net;
using System.Text;
using Micro.Parser;

namespace Micro.AspNetCore;

/// <summary>
/// The request side: the request line (kept as strings from one request to the next while the target is the same,
/// as Kestrel reuses them on a connection), the headers (looked up in the head's bytes in place, RequestHeaderView), the
/// body, the connection, its abort, the request's identifier and body size limit, and (IBadRequestExceptionFeature,
/// as on Kestrel) the BadHttpRequestException that escaped the app.
/// </summary>
internal abstract partial class RequestFeatures :
    IHttpRequestFeature, IHttpRequestBodyDetectionFeature, IHttpMaxRequestBodySizeFeature, IHttpRequestIdentifierFeature,
    IHttpConnectionFeature, IHttpRequestLifetimeFeature, IHttpBodyControlFeature, IRequestBodyPipeFeature, IBadRequestExceptionFeature
{
    private BadHttpRequestException? _badRequest;
    private IHeaderDictionary? _replacedRequestHeaders;
    private Stream? _replacedRequestBody;
    private (Stream Body, PipeReader Reader)? _readerOverReplacedBody;
    private byte[] _lastTarget = [];
    private string _rawTarget = "";
    private string _path = "";
    private string _query = "";
    private CancellationToken _aborted;
    private CancellationToken _givenAborted; // the token the server gave RequestAborted (the app may replace the feature's)
    private string? _traceIdentifier;
    private string? _connectionId;
    private IPEndPoint? _remote;
    private IPEndPoint? _local;
    private bool _addressesRead;

    private void StartRequest(HttpExchange exchange)
    {
        var head = exchange.Head;
        RequestMethodName = exchange.MethodName;
        RequestProtocol = head.Version == ProtocolVersion.Http11 ? HttpProtocol.Http11 : HttpProtocol.Http10;
        var target = head.Target.Of(exchange.RequestBytes);
        if (!target.SequenceEqual(_lastTarget))
        {
            _lastTarget = target.ToArray();
            _rawTarget = Encoding.Latin1.GetString(target);
            _path = head.TargetForm == RequestTargetForm.Asterisk ? "" : PathDecoder.Decode(head.Path.Of(exchange.RequestBytes));
            _query = head.HasQuery ? _rawTarget[_rawTarget.IndexOf('?')..] : "";
        }
        Path = _path;
        QueryString = _query;
        RawTarget = _rawTarget;
        _requestStream.Start(exchange);
        _maxRequestBodySize = Options.MaxRequestBodySize;
        AllowSynchronousIO = Options.AllowSynchronousIO;
    }

    /// <summary>The token RequestAborted gives: the connection's, as Start took it, or the upgrade's own once the request asks to switch.</summary>
    private void TakeAborted(CancellationToken aborted) => _aborted = _givenAborted = aborted;

    /// <summary>The connection was aborted (the client went away, a timeout, HttpContext.Abort): as Kestrel's "connection aborted".</summary>
    protected bool ConnectionAborted => _givenAborted.IsCancellationRequested;

    Exception? IBadRequestExceptionFeature.Error => _badRequest;

    /// <summary>A BadHttpRequestException (a body too large, cut short, malformed) escaped the app: the request's error from now on.</summary>
    private void NoteBadRequest(BadHttpRequestException bad) => _badRequest = bad;

    private void ResetRequest()
    {
        _badRequest = null;
        _requestHeaders.Reset();
        _replacedRequestHeaders = null;
        _replacedRequestBody = null;
        _traceIdentifier = null;
        _connectionId = null;
        _remote = _local = null;
        _addressesRead = false;
        Scheme = "http";
        PathBase = "";
        _requestStream.Reset();
        _requestPipeReader.Reset();
        _readerOverReplacedBody?.Reader.Complete();
        _readerOverReplacedBody = null;
    }

    /// <summary>Copies the request headers now, while the exchange is still this request's (before callbacks that run after the response).</summary>
    protected void ReadRequestHeadersNow() => _requestHeaders.Copy();

    private string RequestMethodName { get; set; } = "GET";

    private string RequestProtocol { get; set; } = HttpProtocol.Http11;

    string IHttpRequestFeature.Protocol { get => RequestProtocol; set => RequestProtocol = value; }

    public string Scheme { get; set; } = "http";

    string IHttpRequestFeature.Method { get => RequestMethodName; set => RequestMethodName = value; }

    public string PathBase { get; set; } = "";

    public string Path { get; set; } = "";

    public string QueryString { get; set; } = "";

    public string RawTarget { get; set; } = "";

    IHeaderDictionary IHttpRequestFeature.Headers
    {
        get => _replacedRequestHeaders ?? _requestHeaders;
        set => _replacedRequestHeaders = value;
    }

    Stream IHttpRequestFeature.Body
    {
        get => _replacedRequestBody ?? _requestStream;
        set => _replacedRequestBody = value;
    }

    /// <summary>The body stream's reader; over a body a middleware put in its place, a reader made for that stream, as on Kestrel.</summary>
    PipeReader IRequestBodyPipeFeature.Reader => _replacedRequestBody is null ? _requestPipeReader : ReaderOverReplacedBody(_replacedRequestBody);

    private PipeReader ReaderOverReplacedBody(Stream replaced)
    {
        if (_readerOverReplacedBody is not { } over || !ReferenceEquals(over.Body, replaced))
        {
            _readerOverReplacedBody?.Reader.Complete();
            _readerOverReplacedBody = over = (replaced, PipeReader.Create(replaced, new StreamPipeReaderOptions(leaveOpen: true)));
        }
        return over.Reader;
    }

    /// <summary>The request's body reader (for its body stream, which hands out first what the reader holds).</summary>
    internal HttpRequestPipeReader BodyPipeReader => _requestPipeReader;

    bool IHttpRequestBodyDetectionFeature.CanHaveBody => _requestStream.CanHaveBody;

    /// <summary>Read-only once the body has begun to be read, as on Kestrel.</summary>
    bool IHttpMaxRequestBodySizeFeature.IsReadOnly => _requestStream.HasStartedReading;

    private long? _maxRequestBodySize;

    public long? MaxRequestBodySize
    {
        get => _maxRequestBodySize;
        set
        {
            if (_requestStream.HasStartedReading)
            {
                throw new InvalidOperationException("The maximum request body size cannot be modified after the app has already started reading from the request body.");
            }
            ArgumentOutOfRangeException.ThrowIfNegative(value ?? 0, nameof(value));
            _maxRequestBodySize = value;
        }
    }

    string IHttpRequestIdentifierFeature.TraceIdentifier
    {
        get => _traceIdentifier ??= $"{ConnectionIdText}:{RequestNumber:X8}";
        set => _traceIdentifier = value;
    }

    /// <summary>This request's number on its connection, for its identifier.</summary>
    protected int RequestNumber { get; set; }

    private string ConnectionIdText => _connectionId ??= ConnectionIds.Format(_connection?.Id ?? 0);

    string IHttpConnectionFeature.ConnectionId { get => ConnectionIdText; set => _connectionId = value; }

    IPAddress? IHttpConnectionFeature.RemoteIpAddress { get => ReadAddresses()._remote?.Address; set => SetRemote(value, RemotePort); }

    IPAddress? IHttpConnectionFeature.LocalIpAddress { get => ReadAddresses()._local?.Address; set => SetLocal(value, LocalPort); }

    int IHttpConnectionFeature.RemotePort { get => RemotePort; set => SetRemote(ReadAddresses()._remote?.Address, value); }

    int IHttpConnectionFeature.LocalPort { get => LocalPort; set => SetLocal(ReadAddresses()._local?.Address, value); }

    private int RemotePort => ReadAddresses()._remote?.Port ?? 0;

    private int LocalPort => ReadAddresses()._local?.Port ?? 0;

    private void SetRemote(IPAddress? address, int port) => _remote = address is null ? null : new IPEndPoint(address, port);

    private void SetLocal(IPAddress? address, int port) => _local = address is null ? null : new IPEndPoint(address, port);

    /// <summary>The connection's addresses, read once per request when first asked for (the forwarded headers middleware replaces the remote one).</summary>
    private RequestFeatures ReadAddresses()
    {
        if (!_addressesRead)
        {
            _addressesRead = true;
            _remote = _connection?.RemoteEndPoint;
            _local = _connection?.LocalEndPoint;
        }
        return this;
    }

    CancellationToken IHttpRequestLifetimeFeature.RequestAborted { get => _aborted; set => _aborted = value; }

    void IHttpRequestLifetimeFeature.Abort() => Abort();

    public bool AllowSynchronousIO { get; set; }
}
