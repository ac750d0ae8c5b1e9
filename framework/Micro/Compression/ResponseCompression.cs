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
        app.Use(async (req, res, next) =>
        {
            var exchange = req.Exchange;
            var accept = exchange.Head.TryGetHeader(exchange.RequestBytes, "Accept-Encoding"u8, out var header)
                ? AcceptEncoding.Parse(header.Of(exchange.RequestBytes))
                : default;
            var compression = res.KeptBodyFilter as CompressionContext ?? new CompressionContext();
            res.KeptBodyFilter = compression;
            compression.Start(options, accept);
            res.BodyFilter = compression;
            try
            {
                await next;
                await compression.FinishAsync(res);
            }
            finally
            {
                res.BodyFilter = null;
                compression.Abandon(); // a handler that threw mid-stream leaves an encoder: its native state goes now
            }
        });
        return app;
    }
}
