using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Micro.OpenApi;

/// <summary>
/// The schema of a type as the app's JSON options serialize it (System.Text.Json's own JSON Schema exporter, which
/// OpenAPI 3.1's JSON Schema 2020-12 takes as it is), with the constraints of its DataAnnotations attributes. An object
/// type becomes a component, referenced by name; the rest are written in place.
/// </summary>
[System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(MicroAppOpenApiExtensions.ReadsHandlers)]
[System.Diagnostics.CodeAnalysis.RequiresDynamicCode(MicroAppOpenApiExtensions.ReadsHandlers)]
internal sealed class SchemaGenerator
{
    private readonly OpenApiDocument _document;
    private readonly JsonSerializerOptions _json;
    private readonly Dictionary<Type, IOpenApiSchema> _made = [];
    private readonly JsonSchemaExporterOptions _exporter;

    public SchemaGenerator(OpenApiDocument document, JsonSerializerOptions json)
    {
        _document = document;
        // The exporter needs a resolver; the app's options may not have been used (and so given one) yet. Numbers are
        // described as the app writes them: the web defaults also read "42" as 42, which is leniency, not the shape.
        _json = new JsonSerializerOptions(json)
        {
            TypeInfoResolver = json.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver(),
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        };
        _exporter = new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = AddAnnotations };
    }

    public IOpenApiSchema For(Type type)
    {
        if (_made.TryGetValue(type, out var made))
        {
            return made;
        }
        var schema = JsonSchemaConverter.Convert(JsonSchemaExporter.GetJsonSchemaAsNode(_json, type, _exporter));
        if (schema.Type is { } kind && kind.HasFlag(JsonSchemaType.Object) && schema.Properties is { Count: > 0 })
        {
            var name = ComponentName(type);
            _document.Components!.Schemas![name] = schema;
            made = new OpenApiSchemaReference(name, _document);
        }
        else
        {
            made = schema;
        }
        _made[type] = made;
        return made;
    }

    /// <summary>"Note", "PageOfNote" for Page&lt;Note&gt;; another type of the same name gets a number.</summary>
    private string ComponentName(Type type)
    {
        var name = type.IsGenericType
            ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "Of" + string.Concat(type.GetGenericArguments().Select(argument => argument.Name))
            : type.Name;
        var unique = name;
        for (var n = 2; _document.Components!.Schemas!.ContainsKey(unique); n++)
        {
            unique = name + n.ToString(CultureInfo.InvariantCulture);
        }
        return unique;
    }

    /// <summary>The constraints DataAnnotations put on a property, and [Required] on the object that has it.</summary>
    private static JsonNode AddAnnotations(JsonSchemaExporterContext context, JsonNode node)
    {
        if (node is not JsonObject schema)
        {
            return node;
        }
        if (Format(context.TypeInfo.Type) is { } format)
        {
            schema["format"] ??= format;
        }
        if (context.PropertyInfo is null && context.TypeInfo.Kind == JsonTypeInfoKind.Object)
        {
            var required = new JsonArray();
            foreach (var property in context.TypeInfo.Properties)
            {
                if (Attributes(property).Any(attribute => attribute is RequiredAttribute) || property.IsRequired)
                {
                    required.Add((JsonNode)JsonValue.Create(property.Name));
                }
            }
            if (required.Count > 0)
            {
                schema["required"] = required;
            }
            return schema;
        }
        if (context.PropertyInfo is not { } propertyInfo)
        {
            return schema;
        }
        foreach (var attribute in Attributes(propertyInfo))
        {
            switch (attribute)
            {
                case StringLengthAttribute length:
                    schema["maxLength"] = length.MaximumLength;
                    if (length.MinimumLength > 0)
                    {
                        schema["minLength"] = length.MinimumLength;
                    }
                    break;
                case MaxLengthAttribute max when max.Length > 0:
                    schema[IsArray(schema) ? "maxItems" : "maxLength"] = max.Length;
                    break;
                case MinLengthAttribute min:
                    schema[IsArray(schema) ? "minItems" : "minLength"] = min.Length;
                    break;
                case RangeAttribute range when range.Minimum is IConvertible && range.Maximum is IConvertible:
                    schema["minimum"] = Convert.ToDecimal(range.Minimum, CultureInfo.InvariantCulture);
                    schema["maximum"] = Convert.ToDecimal(range.Maximum, CultureInfo.InvariantCulture);
                    break;
                case RegularExpressionAttribute pattern:
                    schema["pattern"] = pattern.Pattern;
                    break;
                case EmailAddressAttribute:
                    schema["format"] = "email";
                    break;
                case UrlAttribute:
                    schema["format"] = "uri";
                    break;
                case RequiredAttribute when schema["type"] is JsonValue { } type && type.GetValue<string>() == "string":
                    schema["minLength"] ??= 1; // [Required] refuses an empty string, as the validator does
                    break;
                case System.ComponentModel.DescriptionAttribute description:
                    schema["description"] = description.Description;
                    break;
            }
        }
        return schema;
    }

    /// <summary>
    /// A property's attributes, and those of the constructor parameter it is bound to: a positional record's rules are
    /// on its parameters (<c>record NewNote([Required] string Title)</c>), and the validator applies them to the property.
    /// </summary>
    private static IEnumerable<object> Attributes(JsonPropertyInfo property) =>
        (property.AttributeProvider?.GetCustomAttributes(true) ?? []).Concat(property.AssociatedParameter?.AttributeProvider?.GetCustomAttributes(true) ?? []);

    /// <summary>The OpenAPI format of a number type, as ASP.NET Core's documents give it (the exporter gives none).</summary>
    private static string? Format(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(ushort) => "int32",
        var t when t == typeof(long) || t == typeof(uint) || t == typeof(ulong) => "int64",
        var t when t == typeof(float) => "float",
        var t when t == typeof(double) || t == typeof(decimal) => "double",
        _ => null,
    };

    private static bool IsArray(JsonObject schema) => schema["type"] is JsonNode type && type.ToJsonString().Contains("array", StringComparison.Ordinal);
}
