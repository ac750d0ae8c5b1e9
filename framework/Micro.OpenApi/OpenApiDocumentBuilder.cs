using Micro.Metadata;
using Microsoft.OpenApi;

namespace Micro.OpenApi;

/// <summary>
/// Makes the document: a path item per pattern (one per expansion of an optional parameter), an operation per method,
/// with its parameters, request body and responses from what the route declares and what its handler reads.
/// </summary>
[System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(MicroAppOpenApiExtensions.ReadsHandlers)]
[System.Diagnostics.CodeAnalysis.RequiresDynamicCode(MicroAppOpenApiExtensions.ReadsHandlers)]
internal sealed class OpenApiDocumentBuilder(MicroApp app, OpenApiDocumentOptions options, string? excludedPath)
{
    private static readonly Dictionary<string, HttpMethod> s_methods = new(StringComparer.Ordinal)
    {
        ["GET"] = HttpMethod.Get, ["PUT"] = HttpMethod.Put, ["POST"] = HttpMethod.Post, ["DELETE"] = HttpMethod.Delete,
        ["OPTIONS"] = HttpMethod.Options, ["HEAD"] = HttpMethod.Head, ["PATCH"] = HttpMethod.Patch, ["TRACE"] = HttpMethod.Trace,
    };

    private readonly OpenApiDocument _document = new()
    {
        Info = new OpenApiInfo { Title = options.Title, Version = options.Version, Description = options.Description },
        Paths = [],
        Components = new OpenApiComponents { Schemas = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal) },
    };

    public OpenApiDocument Build()
    {
        var schemas = new SchemaGenerator(_document, app.JsonOptions);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in app.DescribeRoutes())
        {
            if (route.Pattern == excludedPath || !s_methods.TryGetValue(route.Method, out var method))
            {
                continue; // the document itself, and routes for every method ("*"), which OpenAPI cannot name
            }
            var reads = HandlerReads.Of(route.Handler);
            if (!options.IncludeUndescribedRoutes && route.Metadata.Count == 0 && reads.Count == 0)
            {
                continue;
            }
            for (var expansion = 0; expansion < route.PathTemplates.Count; expansion++)
            {
                var template = route.PathTemplates[expansion];
                if (!_document.Paths.TryGetValue(template, out var item))
                {
                    _document.Paths[template] = item = new OpenApiPathItem();
                }
                var pathItem = (OpenApiPathItem)item;
                pathItem.Operations ??= [];
                pathItem.Operations[method] = Operation(route, template, expansion, reads, schemas, operationIds);
            }
        }
        return _document;
    }

    private OpenApiOperation Operation(RouteDescription route, string template, int expansion, IReadOnlyList<ParameterRead> reads, SchemaGenerator schemas, HashSet<string> operationIds)
    {
        var operation = new OpenApiOperation { Parameters = [], Responses = [] };
        foreach (var text in route.Metadata.OfType<OperationText>())
        {
            operation.Summary = text.Summary ?? operation.Summary;
            operation.Description = text.Description ?? operation.Description;
            operation.OperationId = text.OperationId ?? operation.OperationId;
            foreach (var tag in text.Tags)
            {
                _document.Tags ??= new HashSet<OpenApiTag>();
                if (!_document.Tags.Any(existing => existing.Name == tag))
                {
                    _document.Tags.Add(new OpenApiTag { Name = tag });
                }
                operation.Tags ??= new HashSet<OpenApiTagReference>();
                operation.Tags.Add(new OpenApiTagReference(tag, _document));
            }
        }
        if (operation.OperationId is { } id)
        {
            // A pattern with an optional parameter is two paths, and each operation's id must be unique.
            operation.OperationId = expansion == 0 ? id : id + (expansion + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operationIds.Add(operation.OperationId))
            {
                throw new InvalidOperationException($"The operation id '{id}' is given to more than one route; an OpenAPI document needs them unique.");
            }
        }
        AddParameters(operation, route, template, reads, schemas);
        if (route.Metadata.OfType<IAcceptedBody>().LastOrDefault() is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [body.ContentType] = new() { Schema = schemas.For(body.BodyType) } },
            };
            operation.Responses["400"] = Response("The body is not valid JSON, or breaks its constraints.", "application/problem+json", schemas.For(typeof(ProblemDetailsShape)));
            operation.Responses["415"] = Response("The body is not JSON.", "application/problem+json", schemas.For(typeof(ProblemDetailsShape)));
        }
        foreach (var produced in route.Metadata.OfType<ProducedResponse>())
        {
            var code = produced.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var description = produced.Description ?? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(produced.StatusCode);
            operation.Responses[code] = produced.BodyType is null
                ? new OpenApiResponse { Description = description }
                : Response(description, produced.ContentType ?? "application/json", schemas.For(produced.BodyType));
        }
        if (!route.Metadata.OfType<ProducedResponse>().Any(produced => produced.StatusCode is >= 200 and < 300))
        {
            operation.Responses["200"] = new OpenApiResponse { Description = "OK" };
        }
        return operation;
    }

    private static OpenApiResponse Response(string description, string contentType, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = schema } },
    };

    private static void AddParameters(OpenApiOperation operation, RouteDescription route, string template, IReadOnlyList<ParameterRead> reads, SchemaGenerator schemas)
    {
        var declared = route.Metadata.OfType<DeclaredParameter>().ToList();
        foreach (var parameter in route.PathParameters)
        {
            if (!template.Contains("{" + parameter.Name + "}", StringComparison.Ordinal))
            {
                continue; // this path is the pattern without its optional segment
            }
            var type = declared.LastOrDefault(d => d.Source == ParameterSource.Path && d.Name == parameter.Name)?.Type
                ?? reads.LastOrDefault(r => r.Source == ParameterSource.Path && r.Name == parameter.Name)?.Type
                ?? typeof(string);
            operation.Parameters!.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = ParameterLocation.Path,
                Required = true, // OpenAPI: a path parameter always is; an optional one has a path of its own without it
                Description = declared.LastOrDefault(d => d.Source == ParameterSource.Path && d.Name == parameter.Name)?.Description
                    ?? (parameter.IsWildcard ? "The rest of the path." : null),
                Schema = schemas.For(type),
            });
        }
        var others = declared.Where(d => d.Source != ParameterSource.Path).Select(d => (d.Name, d.Type, d.Source, d.IsRequired, d.Description))
            .Concat(reads.Where(r => r.Source != ParameterSource.Path).Select(r => (r.Name, r.Type, r.Source, IsRequired: false, Description: (string?)null)));
        foreach (var (name, type, source, required, description) in others.DistinctBy(other => (other.Name.ToUpperInvariant(), other.Source)))
        {
            operation.Parameters!.Add(new OpenApiParameter
            {
                Name = name,
                In = source == ParameterSource.Query ? ParameterLocation.Query : ParameterLocation.Header,
                Required = required,
                Description = description,
                Schema = schemas.For(type),
            });
        }
    }
}
