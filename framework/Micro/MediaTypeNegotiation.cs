using Microsoft.Net.Http.Headers;

namespace Micro;

/// <summary>
/// Picks the best of the types a handler can produce for a request's Accept header (RFC 9110 section 12.5.1):
/// highest q first, then the most specific range, then the handler's order; q=0 refuses. As Express's req.accepts,
/// a short name ("json", "html") stands for its media type.
/// </summary>
internal static class MediaTypeNegotiation
{
    private static readonly Dictionary<string, string> ShortNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["json"] = "application/json",
        ["html"] = "text/html",
        ["text"] = "text/plain",
        ["txt"] = "text/plain",
        ["xml"] = "application/xml",
        ["css"] = "text/css",
        ["js"] = "text/javascript",
        ["csv"] = "text/csv",
        ["png"] = "image/png",
        ["jpeg"] = "image/jpeg",
        ["svg"] = "image/svg+xml",
        ["form"] = "application/x-www-form-urlencoded",
    };

    /// <summary>The offered type the client prefers, as the handler named it; null when it accepts none of them.</summary>
    public static string? Choose(string? accept, ReadOnlySpan<string> offered)
    {
        if (offered.IsEmpty)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(accept))
        {
            return offered[0]; // no Accept header: anything is acceptable
        }
        if (!MediaTypeHeaderValue.TryParseList([accept], out var ranges))
        {
            return offered[0]; // a malformed Accept header is ignored, as if absent (RFC 9110 section 12.5.1 allows it)
        }
        string? best = null;
        var bestQuality = 0.0;
        var bestSpecificity = -1;
        foreach (var name in offered)
        {
            var type = new MediaTypeHeaderValue(ShortNames.GetValueOrDefault(name, name));
            // The most specific range that matches decides this type's quality.
            double? quality = null;
            var specificity = -1;
            foreach (var range in ranges)
            {
                if (!type.IsSubsetOf(range))
                {
                    continue;
                }
                var rangeSpecificity = range.MatchesAllTypes ? 0 : range.MatchesAllSubTypes ? 1 : 2 + range.Parameters.Count(p => !p.Name.Equals("q", StringComparison.OrdinalIgnoreCase));
                if (rangeSpecificity > specificity)
                {
                    specificity = rangeSpecificity;
                    quality = range.Quality ?? 1.0;
                }
            }
            if (quality is > 0 && (quality > bestQuality || (quality == bestQuality && specificity > bestSpecificity)))
            {
                best = name;
                bestQuality = quality.Value;
                bestSpecificity = specificity;
            }
        }
        return best;
    }
}
