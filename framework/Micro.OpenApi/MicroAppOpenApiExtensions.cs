using System.Diagnostics.CodeAnalysis;
using Microsoft.OpenApi;

namespace Micro.OpenApi;

/// <summary>An OpenAPI 3.1 document of a Micro app's own routes.</summary>
public static class MicroAppOpenApiExtensions
{
    internal const string ReadsHandlers =
        "Micro.OpenApi reads each handler's IL to find the parameters it reads, and reflects on the body types to describe them: " +
        "a trimmed or Native AOT app has neither. Make the document with a JIT build of the app (ToOpenApiJsonAsync, in a test or a build step) and serve it as a file.";

    /// <summary>
    /// Serves the app's OpenAPI 3.1 document as JSON at <paramref name="path"/>: made from the route table when first
    /// asked for (every route declared by then), then sent from memory.
    /// <code>
    /// app.MapOpenApi("/openapi.json", options => options.Title = "Notes API");
    /// </code>
    /// Parameters come from the patterns, typed where the handler reads them with GetInt, GetLong, GetGuid, GetBool
    /// or Get&lt;T&gt; or where <c>RouteMetadata.Param&lt;T&gt;</c>/<c>Query&lt;T&gt;</c> says; bodies from
    /// <c>RouteMetadata.Accepts&lt;T&gt;</c> and <c>Produces&lt;T&gt;</c>, with the constraints of their DataAnnotations.
    /// </summary>
    [RequiresUnreferencedCode(ReadsHandlers)]
    [RequiresDynamicCode(ReadsHandlers)]
    public static MicroApp MapOpenApi(this MicroApp app, string path = "/openapi/v1.json", Action<OpenApiDocumentOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = new OpenApiDocumentOptions();
        configure?.Invoke(options);
        byte[]? document = null;
        var gate = new Lock();
        app.Get(path, async (req, res) =>
        {
            if (Volatile.Read(ref document) is not { } bytes)
            {
                bytes = await Task.Run(() => RenderAsync(app, options, path)).ConfigureAwait(true); // reflection and schemas: not on a reactor
                lock (gate)
                {
                    document ??= bytes;
                }
            }
            res.Header("Content-Type", "application/json; charset=utf-8").Send(bytes);
        });
        return app;
    }

    /// <summary>The app's OpenAPI document, made from its routes as they are now.</summary>
    [RequiresUnreferencedCode(ReadsHandlers)]
    [RequiresDynamicCode(ReadsHandlers)]
    public static OpenApiDocument ToOpenApiDocument(this MicroApp app, OpenApiDocumentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new OpenApiDocumentBuilder(app, options ?? new OpenApiDocumentOptions(), excludedPath: null).Build();
    }

    /// <summary>The app's OpenAPI 3.1 document as JSON.</summary>
    [RequiresUnreferencedCode(ReadsHandlers)]
    [RequiresDynamicCode(ReadsHandlers)]
    public static async Task<string> ToOpenApiJsonAsync(this MicroApp app, OpenApiDocumentOptions? options = null)
    {
        var document = app.ToOpenApiDocument(options);
        return await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1).ConfigureAwait(false);
    }

    [RequiresUnreferencedCode(ReadsHandlers)]
    [RequiresDynamicCode(ReadsHandlers)]
    private static async Task<byte[]> RenderAsync(MicroApp app, OpenApiDocumentOptions options, string path)
    {
        var document = new OpenApiDocumentBuilder(app, options, excludedPath: path).Build();
        using var stream = new MemoryStream();
        await document.SerializeAsJsonAsync(stream, OpenApiSpecVersion.OpenApi3_1).ConfigureAwait(false);
        return stream.ToArray();
    }
}
