using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Micro.Metadata;

/// <summary>
/// The DataAnnotations rules a positional record puts on its parameters: <c>record NewNote([Required] string Title)</c>
/// puts <c>[Required]</c> on the constructor's parameter, not on the property the compiler makes from it, so
/// <see cref="Validator"/>, which reads properties, never sees it. .NET 10's minimal API validation applies them to the
/// property; so does this. A positional constructor is one whose every parameter names a readable public property of
/// its type (a record's and a record struct's primary constructor); a class whose primary constructor's parameters are
/// spelled differently from its properties has none, as on ASP.NET Core.
/// </summary>
internal sealed class PositionalParameterRules
{
    private static readonly ConcurrentDictionary<Type, PositionalParameterRules> s_byType = new();

    private PositionalParameterRules(Rule[] rules) => Rules = rules;

    /// <summary>The properties whose parameter carries rules, in the parameters' order.</summary>
    public Rule[] Rules { get; }

    [RequiresUnreferencedCode(BodyValidator.ReflectsOnTheBody)]
    public static PositionalParameterRules Of(Type type) => s_byType.GetOrAdd(type, static type => new PositionalParameterRules(Find(type)));

    [RequiresUnreferencedCode(BodyValidator.ReflectsOnTheBody)]
    private static Rule[] Find(Type type)
    {
        foreach (var constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
        {
            var parameters = constructor.GetParameters();
            if (parameters.Length == 0)
            {
                continue;
            }
            var properties = parameters.Select(parameter => type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance)).ToArray();
            if (properties.Select((property, i) => property is { CanRead: true } && property.GetIndexParameters().Length == 0
                    && property.PropertyType == parameters[i].ParameterType).Contains(false))
            {
                continue;
            }
            return parameters
                .Select((parameter, i) => new Rule(properties[i]!, parameter.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray(),
                    parameter.GetCustomAttribute<DisplayAttribute>()?.GetName() ?? properties[i]!.GetCustomAttribute<DisplayAttribute>()?.GetName() ?? properties[i]!.Name))
                .Where(rule => rule.Attributes.Length > 0)
                .ToArray();
        }
        return [];
    }

    /// <summary>
    /// Checks <paramref name="instance"/>'s positional values against their parameters' rules, into
    /// <paramref name="results"/> (each names its property); false when one is broken.
    /// </summary>
    [RequiresUnreferencedCode(BodyValidator.ReflectsOnTheBody)]
    public bool Validate(object instance, List<ValidationResult> results)
    {
        var valid = true;
        foreach (var rule in Rules)
        {
            var context = new ValidationContext(instance) { MemberName = rule.Property.Name, DisplayName = rule.DisplayName };
            valid &= Validator.TryValidateValue(rule.Property.GetValue(instance), context, results, rule.Attributes);
        }
        return valid;
    }

    /// <summary>A positional parameter's rules, applied to the property made from it, under the name its messages use.</summary>
    public sealed record Rule(PropertyInfo Property, ValidationAttribute[] Attributes, string DisplayName);
}

