namespace Micro.OpenApi;

/// <summary>What a Micro app's OpenAPI document says about the API as a whole.</summary>
public sealed class OpenApiDocumentOptions
{
    /// <summary>The API's title (the entry assembly's name unless set).</summary>
    public string Title { get; set; } = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "API";

    /// <summary>The API's version ("v1" unless set).</summary>
    public string Version { get; set; } = "v1";

    /// <summary>A description of the API, or null.</summary>
    public string? Description { get; set; }

    /// <summary>
    /// Whether routes are in the document when nothing on them says what they are (no metadata, no parameters read):
    /// true by default, as every route is part of the API; false documents only the described ones.
    /// </summary>
    public bool IncludeUndescribedRoutes { get; set; } = true;
}
