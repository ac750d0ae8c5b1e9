using System.Text.Json.Serialization;
using TechEmpower.Data;

namespace TechEmpower;

/// <summary>The JSON test's message: a new one per request, as the benchmark requires.</summary>
public sealed record JsonMessage(string Message);

/// <summary>Source-generated serializers: camelCase names ("randomNumber"), no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonMessage))]
[JsonSerializable(typeof(World))]
[JsonSerializable(typeof(World[]))]
public sealed partial class TechEmpowerJson : JsonSerializerContext;
