using Micro.Http;
using Micro.Parser;
using Micro.Routing;
using Microsoft.AspNetCore.Http;

namespace Micro;

/// <summary>Serving one request: the route's pipeline run, measured when something listens, errors answered, the request's services disposed.</summary>
public sealed partial class MicroApp
{
    private ValueTask Handle(HttpExchange exchange)
    {
        if (exchange.ApplicationState is not Context context)
        {
            exchange.ApplicationState = context = new Context(_table!.MaxCaptures);
            context.Request.App = this;
        }
        var (request, response) = (context.Request, context.Response);
        request.Attach(exchange, _requestSettings);
        response.Attach(exchange, request, _requestSettings.Json);
        var pipeline = PipelineFor(exchange, request);
        exchange.Route = pipeline.Route;
        if (RequestTelemetry.IsObserved)
        {
            return RunObserved(pipeline, request, response);
        }
        // Returned as it comes, in registers. With the route's matching in this method too, the task went through
        // a stack slot and was read back whole, which the processor could not forward from the two halves written
        // (2.5% of a pipelined request).
        return RunPipeline(pipeline, request, response);
    }

    /// <summary>The pipeline that answers the request: its route's (the route's parameters and body limit set), or the answer to no route.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Pipeline PipelineFor(HttpExchange exchange, Request request)
    {
        var head = exchange.Head;
        if (head.TargetForm is RequestTargetForm.Asterisk or RequestTargetForm.Authority)
        {
            return head.TargetForm == RequestTargetForm.Asterisk ? _serverOptions! : _connect!; // not a path: no route matches
        }
        var match = _table!.Match(head.Method, head.MethodRange.Of(exchange.RequestBytes), request.RawPath, request.RouteCaptures);
        if (match.Status == RouteMatchStatus.Found)
        {
            request.SetRouteCaptures(match.ParameterNames, match.CaptureCount);
            var pipeline = match.Handler!;
            if (pipeline.MaxBodySize is { } limit)
            {
                request.LimitBody(limit);
            }
            return pipeline;
        }
        return match.Status == RouteMatchStatus.MethodNotAllowed ? MethodNotAllowed(match.Allow!) : _notFound!;
    }

    private ValueTask RunPipeline(Pipeline pipeline, Request request, Response response)
    {
        ValueTask pending;
        try
        {
            pending = pipeline.Run(0, request, response);
        }
        catch (Exception error)
        {
            var failed = Fail(error, request, response);
            return request.HasServiceScope ? DisposeScopeAfterAsync(failed, request) : failed;
        }
        if (pending.IsCompletedSuccessfully)
        {
            return request.HasServiceScope ? request.DisposeServiceScopeAsync() : default;
        }
        return AwaitAsync(pending, request, response);
    }

    private static async ValueTask DisposeScopeAfterAsync(ValueTask pending, Request request)
    {
        try
        {
            await pending;
        }
        finally
        {
            await request.DisposeServiceScopeAsync();
        }
    }

    /// <summary>As <see cref="RunPipeline"/>, measured and traced: only while a metrics or tracing listener is attached.</summary>
    private ValueTask RunObserved(Pipeline pipeline, Request request, Response response)
    {
        var previous = System.Diagnostics.Activity.Current;
        var observation = RequestTelemetry.Start(request, pipeline.Route);
        ValueTask pending;
        try
        {
            pending = RunPipeline(pipeline, request, response);
        }
        finally
        {
            // The handler's own continuations keep the span as current; the reactor thread goes back to none.
            System.Diagnostics.Activity.Current = previous;
        }
        if (pending.IsCompletedSuccessfully)
        {
            RequestTelemetry.Stop(observation, request, response, null);
            return default;
        }
        if (pending.IsCompleted)
        {
            var failed = pending.AsTask(); // read once, handed on as a task: a ValueTask may be awaited only once
            RequestTelemetry.Stop(observation, request, response, failed.Exception?.InnerException);
            return new ValueTask(failed);
        }
        return StopAfterAsync(pending, observation, request, response);
    }

    private static async ValueTask StopAfterAsync(ValueTask pending, RequestTelemetry.Observation observation, Request request, Response response)
    {
        try
        {
            await pending;
        }
        catch (Exception error)
        {
            RequestTelemetry.Stop(observation, request, response, error);
            throw;
        }
        RequestTelemetry.Stop(observation, request, response, null);
    }

    private async ValueTask AwaitAsync(ValueTask pending, Request request, Response response)
    {
        try
        {
            await pending;
        }
        catch (Exception error)
        {
            await Fail(error, request, response);
        }
        finally
        {
            if (request.HasServiceScope)
            {
                await request.DisposeServiceScopeAsync(); // scoped services end with their request
            }
        }
    }

    private ValueTask Fail(Exception error, Request request, Response response)
    {
        if (error is OperationCanceledException && request.Exchange.Closing.IsCancellationRequested)
        {
            // The request was told to end (its client went, the server's graceful stop began: events.Closing,
            // app.Stopping) and did. Not a failure: a stream ends cleanly; one that had not started says why.
            if (TryReset(request, response))
            {
                response.Status(503).Header("Retry-After", "1").Send("The server is stopping.");
            }
            return default;
        }
        if (!TryReset(request, response))
        {
            return ValueTask.FromException(error); // something was sent: the server closes the connection and logs it
        }
        if (error is not HttpError and not BadHttpRequestException)
        {
            if (_onError is null)
            {
                return ValueTask.FromException(error); // the server answers 500 (a problem body when asked) and logs it
            }
            (_errorLog ??= new AppErrorLog(_loggerFactory)).HandlerFailed(request.Exchange.ToString(), error); // a mistake in the app's code is reported, whoever answers it
        }
        return AnswerError(error, request, response);
    }

    private AppErrorLog? _errorLog;

    /// <summary>
    /// The answer to a method no route of the path allows: 405 with Allow, through OnError when set. Made once per
    /// path's Allow list (a set the routes fix), not per request; its own method, never on the way of every request
    /// through Handle.
    /// </summary>
    private Pipeline MethodNotAllowed(string allow) => _methodNotAllowed.GetOrAdd(allow, static (allow, app) => new(app._global, (req, res) =>
    {
        res.Status(405).Header("Allow", allow);
        return app.AnswerError(new HttpError(405, "Method Not Allowed"), req, res);
    }), this);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Pipeline> _methodNotAllowed = new(StringComparer.Ordinal);

    /// <summary>An error the app can see, answered by its OnError, else as a problem (UseProblemDetails), else as text.</summary>
    private ValueTask AnswerError(Exception error, Request request, Response response)
    {
        if (_onError is not null)
        {
            return _onError(error, request, response);
        }
        var status = HttpError.StatusCodeOf(error);
        if (_problemDetails)
        {
            // The title says the status; a detail that only repeats it (the router's own 404 and 405) is left out.
            response.Problem(status, detail: error.Message == Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) ? null : error.Message);
        }
        else
        {
            response.Status(status).Send(error.Message);
        }
        return default;
    }

    /// <summary>Forgets what the handler wrote, when none of it was sent, so an error answer can take its place.</summary>
    private static bool TryReset(Request request, Response response)
    {
        if (!request.Exchange.TryResetResponse())
        {
            return false;
        }
        response.ResetForErrorAnswer();
        return true;
    }

    /// <summary>What the app keeps with a pooled exchange: its Request and Response, reused with it.</summary>
    private sealed class Context(int maxCaptures) : IExchangeState
    {
        public Request Request { get; } = new(maxCaptures) { Response = new() };

        public Response Response => Request.Response;

        public void Retire(string request)
        {
            var reason = $"This request's exchange is over ({request}): its handler returned while work it started went on, " +
                "as an async void method or lambda does, and the server has moved on to the next request. Make the handler " +
                "return a Task (async Task, or an async lambda) so the server waits for it; the Micro analyzer (MICRO001) flags async void handlers.";
            Request.Retire(reason);
            Response.Retire(reason);
        }
    }
}

/// <summary>A route's middleware chain and its handler, built once when the app starts.</summary>
internal sealed class Pipeline(Middleware[] middleware, Func<Request, Response, ValueTask> handler, string? route = null, long? maxBodySize = null)
{
    /// <summary>Each middleware's up-front step where it has one (<see cref="IUpFrontStep"/>), else null.</summary>
    private readonly IUpFrontStep?[] _upFront = Array.ConvertAll(middleware, step => step.Target as IUpFrontStep);

    /// <summary>The route's own body limit (RouteMetadata.MaxBodySize on it or its router), or null for the server's.</summary>
    public long? MaxBodySize { get; } = maxBodySize;

    /// <summary>The route's pattern ("/users/:id"), for metrics and traces; null when no route matched.</summary>
    public string? Route { get; } = route;

    /// <summary>
    /// Runs the pipeline from <paramref name="index"/>: a middleware that serves the request up front is passed in
    /// this loop, and the first that must wrap the rest is called with it as its next.
    /// </summary>
    public ValueTask Run(int index, Request request, Response response)
    {
        var upFront = _upFront;
        for (; (uint)index < (uint)upFront.Length; index++)
        {
            if (upFront[index] is not { } step || !step.ServeUpFront(request, response))
            {
                return middleware[index](request, response, new Next(this, index + 1, request, response));
            }
        }
        return handler(request, response);
    }

    public static Func<Request, Response, ValueTask> From(RequestHandler handler) => (req, res) =>
    {
        handler(req, res);
        return default;
    };

    public static Func<Request, Response, ValueTask> From(AsyncRequestHandler handler) => (req, res) => new ValueTask(handler(req, res));
}
