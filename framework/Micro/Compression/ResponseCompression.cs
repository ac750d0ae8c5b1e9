namespace Micro.Compression;

/// <summary>
/// Response compression: gzip and Brotli negotiated from Accept-Encoding (q-values, <c>*</c>, <c>identity;q=0</c>),
/// for buffered bodies (<c>Send</c>, <c>Json</c>, <c>BodyWriter</c>) at or above a minimum size and for streamed ones
/// (each <c>WriteAsync</c> flushed as a chunk), of compressible types only, with <c>Vary: Accept-Encoding</c> and an
/// ETag per coding. Static files are never compressed on the fly: a precompressed sibling (<c>app.js.br</c>,
/// <c>app.js.gz</c>) is sent instead, with sendfile, when the client accepts it.
/// </summary>
public static class ResponseCompression
{
    /// <summary>Compresses what the routes answer; add it before the middleware and routes whose responses it should cover.</summary>
    public static TRouter UseCompression<TRouter>(this TRouter app, Action<CompressionOptions>? configure = null) where TRouter : Router
    {
        var options = new CompressionOptions();
        configure?.Invoke(options);
        if (options.MinimumSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), "CompressionOptions.MinimumSize cannot be negative.");
        }
        options.Freeze();
        app.Use(new Step(options).Compress);
        return app;
    }

    /// <summary>
    /// A request without Accept-Encoding (most API clients, load generators) gets nothing compressed: its response
    /// only owes <c>Vary</c> when its type is compressible, decided as its head is written. So compression is done
    /// with such a request before the route runs, and the pipeline calls the route itself, not through a layer.
    /// </summary>
    private sealed class Step(CompressionOptions options) : IUpFrontStep
    {
        public bool ServeUpFront(Request req, Response res)
        {
            var exchange = req.Exchange;
            if (exchange.Head.TryGetHeader(exchange.RequestBytes, "Accept-Encoding"u8, out _))
            {
                return false;
            }
            var compression = ContextOf(res);
            compression.StartIdentity(options);
            res.FilterBody(true); // streams pass through it, files ask it for a precompressed sibling's Vary
            exchange.HookHead(compression);
            return true;
        }

        public ValueTask Compress(Request req, Response res, Next next) => ServeUpFront(req, res) ? next.Invoke() : Negotiated(options, req, res, next);
    }

    private static CompressionContext ContextOf(Response res)
    {
        if (res.KeptBodyFilter is not CompressionContext compression)
        {
            res.KeptBodyFilter = compression = new CompressionContext(); // once per pooled response, then reused
        }
        return compression;
    }

    /// <summary>
    /// One response to a request with Accept-Encoding: the route run with the body filter in place, then the body
    /// compressed or let go. Not an async method: a route that completes at once goes through without a state machine.
    /// </summary>
    private static ValueTask Negotiated(CompressionOptions options, Request req, Response res, Next next)
    {
        var exchange = req.Exchange;
        var compression = ContextOf(res);
        compression.Start(options, AcceptEncoding.Parse(exchange.Head, exchange.RequestBytes)); // every line of it, as one list
        res.FilterBody(true);
        ValueTask finish;
        try
        {
            var pending = next.Invoke();
            if (!pending.IsCompletedSuccessfully)
            {
                return FinishAfterAsync(pending, res, compression);
            }
            finish = compression.FinishAsync(res);
            if (!finish.IsCompletedSuccessfully)
            {
                return EndAfterAsync(finish, res, compression);
            }
        }
        catch
        {
            End(res, compression);
            throw;
        }
        End(res, compression);
        return finish;
    }

    private static async ValueTask FinishAfterAsync(ValueTask pending, Response res, CompressionContext compression)
    {
        try
        {
            await pending;
            await compression.FinishAsync(res);
        }
        finally
        {
            End(res, compression);
        }
    }

    private static async ValueTask EndAfterAsync(ValueTask finish, Response res, CompressionContext compression)
    {
        try
        {
            await finish;
        }
        finally
        {
            End(res, compression);
        }
    }

    /// <summary>The response is done with compression; an encoder its handler left unfinished (it threw mid-stream) gives back its native state now.</summary>
    private static void End(Response res, CompressionContext compression)
    {
        res.FilterBody(false);
        compression.Abandon();
    }
}
