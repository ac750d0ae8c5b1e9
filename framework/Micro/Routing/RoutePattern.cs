using System.Text;

namespace Micro.Routing;

/// <summary>
/// A parsed route pattern: static segments, <c>:name</c> parameters, optional <c>:name?</c> parameters and a final
/// wildcard <c>*</c> or <c>*name</c>. An optional parameter is expanded into the pattern with and without its segment.
/// </summary>
internal sealed class RoutePattern
{
    private RoutePattern(string text, RouteSegment[] segments)
    {
        Text = text;
        Segments = segments;
        ParameterNames = [.. segments.Where(s => s.Kind != RouteSegmentKind.Static).Select(s => s.Name)];
    }

    public string Text { get; }

    public RouteSegment[] Segments { get; }

    /// <summary>The names of the parameters and wildcard, in the order their values are captured.</summary>
    public string[] ParameterNames { get; }

    /// <summary>Parses <paramref name="pattern"/>, returning one pattern, or two when it has an optional parameter.</summary>
    public static RoutePattern[] Parse(string pattern)
    {
        if (string.IsNullOrEmpty(pattern) || pattern[0] != '/')
        {
            throw new ArgumentException($"Route pattern '{pattern}' must start with '/'.", nameof(pattern));
        }
        if (pattern.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            // A minimal-API habit: "{id}" would match only the literal text "{id}", and every real id would get 404.
            var suggested = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*?([^}:?=]*)[^}]*\}", match => (match.Value.StartsWith("{*", StringComparison.Ordinal) ? "*" : ":") + match.Groups[1].Value);
            throw new ArgumentException($"Route pattern '{pattern}': parameters are written ':name' in Micro, not '{{name}}': write '{suggested}'.", nameof(pattern));
        }
        var parts = pattern.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var segments = new List<RouteSegment>();
        var optionalAt = -1;
        var names = new HashSet<string>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part[0] == '*')
            {
                if (i != parts.Length - 1)
                {
                    throw new ArgumentException($"Route pattern '{pattern}': a wildcard must be the last segment.", nameof(pattern));
                }
                var name = part.Length > 1 ? part[1..] : "*";
                AddName(name);
                segments.Add(new RouteSegment(RouteSegmentKind.Wildcard, name, []));
            }
            else if (part[0] == ':')
            {
                var optional = part.EndsWith('?');
                var name = optional ? part[1..^1] : part[1..];
                if (name.Length == 0)
                {
                    throw new ArgumentException($"Route pattern '{pattern}': a parameter needs a name.", nameof(pattern));
                }
                if (optional)
                {
                    if (optionalAt >= 0)
                    {
                        throw new ArgumentException($"Route pattern '{pattern}': only one parameter may be optional.", nameof(pattern));
                    }
                    optionalAt = segments.Count;
                }
                AddName(name);
                segments.Add(new RouteSegment(RouteSegmentKind.Parameter, name, []));
            }
            else
            {
                if (part.Contains(':') || part.Contains('*'))
                {
                    throw new ArgumentException($"Route pattern '{pattern}': '{part}' mixes text and a parameter; put each in its own segment.", nameof(pattern));
                }
                segments.Add(new RouteSegment(RouteSegmentKind.Static, part, Encoding.UTF8.GetBytes(part)));
            }
        }
        var full = new RoutePattern(pattern, [.. segments]);
        if (optionalAt < 0)
        {
            return [full];
        }
        var without = new List<RouteSegment>(segments);
        without.RemoveAt(optionalAt);
        return [full, new RoutePattern(pattern, [.. without])];

        void AddName(string name)
        {
            if (!names.Add(name))
            {
                throw new ArgumentException($"Route pattern '{pattern}': the name '{name}' is used twice.", nameof(pattern));
            }
        }
    }
}

/// <summary>What a pattern segment matches.</summary>
internal enum RouteSegmentKind : byte
{
    Static,
    Parameter,
    Wildcard,
}

/// <summary>One segment of a pattern: its kind, its name (or text), and for static segments its UTF-8 bytes.</summary>
internal sealed record RouteSegment(RouteSegmentKind Kind, string Name, byte[] Bytes);
