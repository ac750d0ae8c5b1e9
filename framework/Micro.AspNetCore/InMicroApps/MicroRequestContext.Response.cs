using System.IO.Pipelines;

namespace Micro.AspNetCore;

/// <summary>
/// The response's features: status and headers are the Micro response's own (a header middleware sets is on
/// <c>res</c>, and one the route sets is in <c>context.Response.Headers</c>); a body middleware writes is buffered and
/// sent whole when the middleware answers, or streamed past 64 KiB (<see cref="BufferedResponseBody"/>).
/// OnStarting callbacks run before the head goes out: after the pipeline when the response is sent whole, at the first
/// write when a route streams. OnCompleted callbacks run when the pipeline is done, before the response is sent.
/// </summary>
internal sealed partial class MicroRequestContext : IHttpResponseFeature, IHttpResponseBodyFeature, IHttpBodyControlFeature
{
    private IHeaderDictionary? _replacedHeaders;
    private Stream? _replacedBody;
    private string? _reasonPhrase;
    private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
    private readonly List<(Func<object, Task> Callback, object State)> _onCompleted = [];
    private Func<ValueTask>? _runOnStarting;
    private bool _allowSynchronousIO;

    private void ResetResponse()
    {
        _body.Reset();
        _responseHeaders.Reset();
        _replacedHeaders = null;
        _replacedBody = null;
        _reasonPhrase = null;
        _onStarting.Clear();
        _onCompleted.Clear();
        _allowSynchronousIO = false;
    }

    internal Response MicroResponse => _response;

    internal bool AllowSynchronousIO => _allowSynchronousIO;

    int IHttpResponseFeature.StatusCode
    {
        get => _response.StatusCode;
        set
        {
            ThrowIfStarted(nameof(IHttpResponseFeature.StatusCode));
            _response.Exchange.StatusCode = value;
        }
    }

    string? IHttpResponseFeature.ReasonPhrase
    {
        get => _reasonPhrase;
        set
        {
            ThrowIfStarted(nameof(IHttpResponseFeature.ReasonPhrase));
            _reasonPhrase = value; // Micro's status line carries the standard phrase of the code
        }
    }

    IHeaderDictionary IHttpResponseFeature.Headers { get => _replacedHeaders ?? _responseHeaders; set => _replacedHeaders = value; }

    Stream IHttpResponseFeature.Body { get => _replacedBody ?? _body.Stream; set => _replacedBody = value; }

    bool IHttpResponseFeature.HasStarted => _response.Exchange.HasStarted;

    void IHttpResponseFeature.OnStarting(Func<object, Task> callback, object state)
    {
        ThrowIfStarted(nameof(IHttpResponseFeature.OnStarting));
        _onStarting.Add((callback, state));
        _response.BeforeStreaming = _runOnStarting ??= RunOnStartingAsync;
    }

    void IHttpResponseFeature.OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add((callback, state));

    Stream IHttpResponseBodyFeature.Stream => _body.Stream;

    PipeWriter IHttpResponseBodyFeature.Writer => _body;

    void IHttpResponseBodyFeature.DisableBuffering()
    {
    }

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) => _body.StartStreamingAsync(cancellationToken).AsTask();

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        SendFileFallback.SendFileAsync(_body.Stream, path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync() => _body.CompleteAsync().AsTask();

    bool IHttpBodyControlFeature.AllowSynchronousIO { get => _allowSynchronousIO; set => _allowSynchronousIO = value; }

    /// <summary>The callbacks registered with OnStarting, last registered first (as ASP.NET Core runs them), once.</summary>
    internal async ValueTask RunOnStartingAsync()
    {
        _response.BeforeStreaming = null;
        while (_onStarting.Count > 0)
        {
            var (callback, state) = _onStarting[^1];
            _onStarting.RemoveAt(_onStarting.Count - 1);
            await callback(state).ConfigureAwait(true);
        }
    }

    private async ValueTask RunOnCompletedAsync()
    {
        while (_onCompleted.Count > 0)
        {
            var (callback, state) = _onCompleted[^1];
            _onCompleted.RemoveAt(_onCompleted.Count - 1);
            await callback(state).ConfigureAwait(true);
        }
    }

    private void ThrowIfStarted(string what)
    {
        if (_response.Exchange.HasStarted)
        {
            throw new InvalidOperationException($"{what} cannot be set: the response has already started.");
        }
    }
}
