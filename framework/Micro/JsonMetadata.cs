using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Micro;

/// <summary>
/// The JSON metadata for a type from the app's options, as ASP.NET Core's minimal APIs take theirs: through the
/// options' resolvers (reflection by default; in an app published trimmed or as Native AOT, the source-generated
/// <c>JsonSerializerContext</c> the app puts in <see cref="MicroApp.JsonOptions"/>'s <c>TypeInfoResolverChain</c>), so
/// serializing reflects on nothing the analyzers cannot see. A type no resolver knows is refused naming the fix.
/// </summary>
internal static class JsonMetadata
{
    public static JsonTypeInfo For(JsonSerializerOptions options, Type type)
    {
        if (options.TypeInfoResolver is null && !options.IsReadOnly && JsonSerializer.IsReflectionEnabledByDefault)
        {
            UseReflection(options);
        }
        try
        {
            return options.GetTypeInfo(type);
        }
        catch (Exception error) when (error is NotSupportedException or InvalidOperationException && !JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw new InvalidOperationException(
                $"No JSON metadata for {type.Name}: this app is trimmed or native (reflection-based JSON is off), and no resolver in its JSON options knows the type. " +
                $"Declare [JsonSerializable(typeof({type.Name}))] on a JsonSerializerContext and add it: app.JsonOptions.TypeInfoResolverChain.Insert(0, MyJsonContext.Default); or pass its JsonTypeInfo.",
                error);
        }
    }

    /// <summary>What JsonSerializer does with options that name no resolver: gives them reflection's, and locks them.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Called only while JsonSerializer.IsReflectionEnabledByDefault, a feature switch that trimming and Native AOT turn off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Called only while JsonSerializer.IsReflectionEnabledByDefault, a feature switch that trimming and Native AOT turn off.")]
    private static void UseReflection(JsonSerializerOptions options) => options.MakeReadOnly(populateMissingResolver: true);
}

/// <summary>
/// <see cref="JsonMetadata"/> for <typeparamref name="T"/>, with the last options asked with kept beside their metadata:
/// a request's body or response pays one comparison, not a lookup.
/// </summary>
internal static class JsonMetadata<T>
{
    private static Kept? s_kept;

    public static JsonTypeInfo<T> From(JsonSerializerOptions options)
    {
        var kept = s_kept;
        if (kept is not null && ReferenceEquals(kept.Options, options))
        {
            return kept.Metadata;
        }
        var metadata = (JsonTypeInfo<T>)JsonMetadata.For(options, typeof(T));
        s_kept = new Kept(options, metadata);
        return metadata;
    }

    private sealed record Kept(JsonSerializerOptions Options, JsonTypeInfo<T> Metadata);
}
