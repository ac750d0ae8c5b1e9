using Microsoft.Extensions.Primitives;

namespace TechEmpower;

/// <summary>The benchmark's rule for ?queries= and ?count=: missing or not a number is 1, and the rest is clamped to 1..500.</summary>
public static class QueryCount
{
    public const int Max = 500;

    public static int Parse(StringValues value) =>
        int.TryParse(value.Count > 0 ? value[0] : null, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var count)
            ? Math.Clamp(count, 1, Max)
            : 1;
}
