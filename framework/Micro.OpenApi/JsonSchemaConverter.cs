using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Micro.OpenApi;

/// <summary>A JSON Schema (as System.Text.Json exports it) as Microsoft.OpenApi's schema object.</summary>
internal static class JsonSchemaConverter
{
    public static OpenApiSchema Convert(JsonNode? node)
    {
        var schema = new OpenApiSchema();
        if (node is not JsonObject json)
        {
            return schema; // true: anything
        }
        foreach (var (keyword, value) in json)
        {
            switch (keyword)
            {
                case "type":
                    schema.Type = Types(value);
                    break;
                case "format":
                    schema.Format = value!.GetValue<string>();
                    break;
                case "pattern":
                    schema.Pattern = value!.GetValue<string>();
                    break;
                case "description":
                    schema.Description = value!.GetValue<string>();
                    break;
                case "minLength":
                    schema.MinLength = value!.GetValue<int>();
                    break;
                case "maxLength":
                    schema.MaxLength = value!.GetValue<int>();
                    break;
                case "minItems":
                    schema.MinItems = value!.GetValue<int>();
                    break;
                case "maxItems":
                    schema.MaxItems = value!.GetValue<int>();
                    break;
                case "minimum":
                    schema.Minimum = Number(value);
                    break;
                case "maximum":
                    schema.Maximum = Number(value);
                    break;
                case "enum":
                    schema.Enum = [.. value!.AsArray().Select(item => item?.DeepClone() ?? JsonValue.Create((string?)null)!)];
                    break;
                case "default":
                    schema.Default = value?.DeepClone();
                    break;
                case "items":
                    schema.Items = Convert(value);
                    break;
                case "properties":
                    schema.Properties = value!.AsObject().ToDictionary(property => property.Key, property => (IOpenApiSchema)Convert(property.Value), StringComparer.Ordinal);
                    break;
                case "required":
                    schema.Required = new HashSet<string>(value!.AsArray().Select(item => item!.GetValue<string>()), StringComparer.Ordinal);
                    break;
                case "additionalProperties":
                    if (value is JsonValue allowed && allowed.TryGetValue<bool>(out var isAllowed))
                    {
                        schema.AdditionalPropertiesAllowed = isAllowed;
                    }
                    else
                    {
                        schema.AdditionalProperties = Convert(value);
                    }
                    break;
                case "anyOf":
                    schema.AnyOf = [.. value!.AsArray().Select(item => (IOpenApiSchema)Convert(item))];
                    break;
                case "oneOf":
                    schema.OneOf = [.. value!.AsArray().Select(item => (IOpenApiSchema)Convert(item))];
                    break;
            }
            // "$ref" (a type that contains itself, as a pointer into its own schema) is left open: any value.
        }
        return schema;
    }

    private static JsonSchemaType? Types(JsonNode? value)
    {
        JsonSchemaType? types = null;
        foreach (var name in value is JsonArray array ? array.Select(item => item!.GetValue<string>()) : [value!.GetValue<string>()])
        {
            var type = name switch
            {
                "null" => JsonSchemaType.Null,
                "boolean" => JsonSchemaType.Boolean,
                "integer" => JsonSchemaType.Integer,
                "number" => JsonSchemaType.Number,
                "string" => JsonSchemaType.String,
                "array" => JsonSchemaType.Array,
                _ => JsonSchemaType.Object,
            };
            types = types is null ? type : types | type;
        }
        return types;
    }

    private static string Number(JsonNode? value) => System.Convert.ToString(value!.GetValue<decimal>(), CultureInfo.InvariantCulture);
}
