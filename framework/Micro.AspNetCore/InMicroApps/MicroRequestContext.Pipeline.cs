namespace Micro.AspNetCore;

/// <summary>
/// One run of an ASP.NET Core pipeline in front of Micro's: the middleware runs; its terminal goes on into Micro's
/// middleware and route; what it produced is then handed over: an answer of its own (a 401 challenge, a 429, a
/// problem+json body) ends the Micro response, or the route's answer leaves as the route made it.
/// </summary>
internal sealed partial class MicroRequestContext
{
    /// <summary>Where Micro's pipeline goes on from, while the ASP.NET Core one runs.</summary>
    private Next _next;
    private bool _nextCalled;
    private AspNetCorePipeline? _pipeline; // the app's pipeline running now, told of a mistake it made

    /// <summary>The terminal of every ASP.NET Core pipeline run here: on into the Micro app's next middleware or route.</summary>
    public static readonly RequestDelegate GoOnInMicro = static context =>
        context.Features is MicroRequestContext micro
            ? micro.GoOnAsync()
            : throw new InvalidOperationException("An ASP.NET Core middleware in a Micro app replaced HttpContext.Features; the Micro pipeline cannot go on from it.");

    public async ValueTask RunAsync(RequestDelegate pipeline, Next next, AspNetCorePipeline? owner = null)
    {
        // A pipeline on a route, inside the app's: the outer one's place is kept and given back.
        var (outerNext, outerNextCalled, outerPipeline) = (_next, _nextCalled, _pipeline);
        _next = next;
        _nextCalled = false;
        _pipeline = owner;
        var entered = EnterAccessor(owner?.Accessor);
        try
        {
            await pipeline(_context).ConfigureAwait(true);
            await FinishAsync().ConfigureAwait(true);
        }
        finally
        {
            (_next, _nextCalled, _pipeline) = (outerNext, outerNextCalled, outerPipeline);
            LeaveAccessor(entered);
        }
    }

    /// <summary>
    /// Makes this request's context the one <paramref name="accessor"/> gives (an app that called
    /// AddHttpContextAccessor), for the middleware and the route that run inside, as ASP.NET Core's host sets it for a
    /// request; set in an async method, so the request's flow carries it and the reactor's does not. Returns the
    /// accessor when it set it (not when this request's context is already there: a pipeline inside another).
    /// </summary>
    public IHttpContextAccessor? EnterAccessor(IHttpContextAccessor? accessor)
    {
        if (accessor is null || ReferenceEquals(accessor.HttpContext, _context))
        {
            return null;
        }
        accessor.HttpContext = _context;
        return accessor;
    }

    /// <summary>
    /// The request is done with it: the accessor gives null from then on, also to work the request started that goes on
    /// (this context object is pooled, and will be another request's), as ASP.NET Core clears it.
    /// </summary>
    public static void LeaveAccessor(IHttpContextAccessor? entered)
    {
        if (entered is not null)
        {
            entered.HttpContext = null;
        }
    }

    private Task GoOnAsync()
    {
        if (_nextCalled)
        {
            throw new InvalidOperationException("An ASP.NET Core middleware in a Micro app called next twice for one request.");
        }
        _nextCalled = true;
        if (Get<IHttpResponseBodyFeature>() is { } body && !ReferenceEquals(body, this))
        {
            _pipeline?.NoteResponseBodyReplaced(body);
        }
        if ((_method is not null || _path is not null || _pathBase is not null) && WasRewritten(out var change))
        {
            _pipeline?.NoteRequestRewritten(change);
        }
        var goOn = BodyReplaced || _body.HasBuffered ? HandOverThenGoOnAsync() : _next.Invoke();
        if (goOn.IsCompletedSuccessfully)
        {
            goOn.GetAwaiter().GetResult(); // consumed, so a pooled source behind it goes back
            return Task.CompletedTask;
        }
        return goOn.AsTask();
    }

    /// <summary>
    /// A middleware put a stream of its own in the request body's place (the route reads that), or wrote some body of
    /// the response (it goes first, streamed), then called next.
    /// </summary>
    private async ValueTask HandOverThenGoOnAsync()
    {
        if (BodyReplaced)
        {
            await HandBodyOverAsync().ConfigureAwait(true);
        }
        if (_body.HasBuffered)
        {
            await _body.StartStreamingAsync(_request.Aborted).ConfigureAwait(true);
        }
        await _next.Invoke().ConfigureAwait(true);
    }

    /// <summary>
    /// The pipeline is done: OnStarting callbacks run while headers can still change; a body it buffered goes out
    /// (with its Content-Length checked); an answer of its own ends the Micro response; OnCompleted callbacks run.
    /// </summary>
    private async ValueTask FinishAsync()
    {
        if (!_response.Exchange.HasStarted)
        {
            await RunOnStartingAsync().ConfigureAwait(true);
        }
        await _body.CompleteAsync().ConfigureAwait(true);
        if (!_nextCalled)
        {
            _response.End();
        }
        await RunOnCompletedAsync().ConfigureAwait(true);
    }
}
