using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Micro.Metadata;

/// <summary>
/// Checks a value read from a JSON body against its DataAnnotations attributes and <see cref="IValidatableObject"/>,
/// into nested objects and the items of lists, as .NET 10's minimal API validation does. Each error is keyed by the
/// field's path as the JSON names it ("title", "address.street", "items[0].name"), with the app's naming policy.
/// </summary>
internal static class BodyValidator
{
    public const string ReflectsOnTheBody = "Accepts<T> checks the body against its DataAnnotations attributes by reflection, into nested objects: in an app published trimmed or as Native AOT the members it reads may be gone. There, validate in the handler or use ASP.NET Core's generated validation (UseAspNetCore).";

    /// <summary>Deeper than this, a body is not walked (a hostile body cannot make the walk long: the JSON reader's own depth limit is 64).</summary>
    private const int MaxDepth = 32;

    [RequiresUnreferencedCode(ReflectsOnTheBody)]
    public static Dictionary<string, List<string>> Validate(object value, JsonSerializerOptions options)
    {
        var errors = new Findings();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        if (value is IEnumerable items and not string)
        {
            // A list as the whole body ([{...}, {...}]): each item is checked, keyed by its place ("[1].title"), as .NET 10
            // checks the items of a list parameter.
            WalkItems(items, "", options, errors, seen, 0);
        }
        else
        {
            Walk(value, "", options, errors, seen, 0);
        }
        return errors.ByKey;
    }

    /// <summary>
    /// One object: its fields' rules (its properties' attributes, a positional record's parameters'), then the objects
    /// and items beneath it, then, only if nothing in or beneath it failed, its own rules (class-level attributes,
    /// <see cref="IValidatableObject"/>), as .NET 10's validation orders them.
    /// </summary>
    [RequiresUnreferencedCode(ReflectsOnTheBody)]
    private static void Walk(object value, string prefix, JsonSerializerOptions options, Findings errors, HashSet<object> seen, int depth)
    {
        if (depth > MaxDepth || !seen.Add(value))
        {
            return;
        }
        var type = value.GetType();
        var before = errors.Count;
        var results = new List<ValidationResult>();
        PositionalParameterRules.Of(type).Validate(value, results);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var property in properties)
        {
            if (property.CanRead && property.GetIndexParameters().Length == 0)
            {
                Validator.TryValidateProperty(property.GetValue(value), new ValidationContext(value) { MemberName = property.Name }, results);
            }
        }
        Add(results, type, prefix, options, errors);
        foreach (var property in properties)
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead || IsLeaf(property.PropertyType)
                || property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always })
            {
                continue;
            }
            var child = property.GetValue(value);
            var path = prefix + JsonName(type, property.Name, options);
            if (child is IEnumerable items and not string)
            {
                WalkItems(items, path, options, errors, seen, depth);
            }
            else if (child is not null)
            {
                Walk(child, path + ".", options, errors, seen, depth + 1);
            }
        }
        if (errors.Count == before)
        {
            // The fields passed: the object's own rules (Validator checks the fields again, and they pass).
            results.Clear();
            Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: false);
            Add(results, type, prefix, options, errors);
        }
    }

    /// <summary>The errors by key, and how many (counted as they come: a body of many objects is not recounted per object).</summary>
    private sealed class Findings
    {
        public Dictionary<string, List<string>> ByKey { get; } = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public void Add(string key, string message)
        {
            if (!ByKey.TryGetValue(key, out var messages))
            {
                ByKey[key] = messages = [];
            }
            messages.Add(message);
            Count++;
        }
    }

    [RequiresUnreferencedCode(ReflectsOnTheBody)]
    private static void Add(List<ValidationResult> results, Type type, string prefix, JsonSerializerOptions options, Findings errors)
    {
        foreach (var result in results)
        {
            var members = result.MemberNames.Any() ? result.MemberNames : [""];
            foreach (var member in members)
            {
                errors.Add(member.Length == 0 ? prefix.TrimEnd('.') : prefix + JsonName(type, member, options), result.ErrorMessage ?? $"The field {member} is invalid.");
            }
        }
    }

    [RequiresUnreferencedCode(ReflectsOnTheBody)]
    private static void WalkItems(IEnumerable items, string path, JsonSerializerOptions options, Findings errors, HashSet<object> seen, int depth)
    {
        if (items is IDictionary dictionary)
        {
            // An object of named values ({"home": {...}}): each value keyed by its name, "named[home].street". (.NET 10's
            // validation leaves a dictionary's values unchecked.)
            foreach (DictionaryEntry entry in dictionary)
            {
                if (entry.Value is { } item && !IsLeaf(item.GetType()))
                {
                    Walk(item, $"{path}[{entry.Key}].", options, errors, seen, depth + 1);
                }
            }
            return;
        }
        var index = 0;
        foreach (var item in items)
        {
            if (item is not null && !IsLeaf(item.GetType()))
            {
                Walk(item, $"{path}[{index}].", options, errors, seen, depth + 1);
            }
            index++;
        }
    }

    /// <summary>The name the JSON gives a member: its [JsonPropertyName], else the app's naming policy (camelCase by default).</summary>
    [RequiresUnreferencedCode(ReflectsOnTheBody)]
    private static string JsonName(Type type, string member, JsonSerializerOptions options)
    {
        var property = type.GetProperty(member, BindingFlags.Public | BindingFlags.Instance);
        if (property?.GetCustomAttribute<JsonPropertyNameAttribute>() is { } named)
        {
            return named.Name;
        }
        return options.PropertyNamingPolicy?.ConvertName(member) ?? member;
    }

    /// <summary>Types with no members worth walking: primitives, strings, numbers, dates, enums, and the like.</summary>
    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(TimeSpan)
            || type == typeof(Guid) || type == typeof(Uri) || type == typeof(byte[]) || typeof(ITuple).IsAssignableFrom(type) && type.IsValueType
            || type.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true;
    }
}
