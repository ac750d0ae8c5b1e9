using System.Reflection;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// Request header names spelled as Kestrel spells them, whatever case the client sent: Kestrel trades a name that
/// matches one of ASP.NET Core's <see cref="HeaderNames"/> (any case) for that constant, as it does its own known
/// headers, so an app that enumerates <c>Request.Headers</c> and compares or copies the names as they come (into a
/// case-sensitive dictionary, <c>Keys.Contains("User-Agent")</c>) finds "User-Agent" on both servers, even behind a
/// proxy that passes on an HTTP/2 client's lowercase names. Other names keep the client's spelling, as on Kestrel.
/// Looked up once per name a pooled reader has not seen yet (it remembers the string for the name's bytes), by length,
/// then ASCII case-insensitively among the few of that length.
/// </summary>
internal static class KnownRequestHeaderNames
{
    /// <summary>ASP.NET Core's constants (read from the version the app runs on, as Kestrel's own list is), and the one Kestrel knows beside them.</summary>
    private static readonly string[] s_names =
    [
        .. typeof(HeaderNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetValue(null) as string)
            .OfType<string>()
            .Where(name => !name.StartsWith(':')), // HTTP/2's pseudo-headers: no HTTP/1.1 field name has a colon
        "Alt-Used",
    ];

    /// <summary>The names by length: a lookup compares the few of its length.</summary>
    private static readonly string[][] s_byLength = ByLength();

    /// <summary>The spelling of <paramref name="name"/> as an app reads it: Kestrel's for a name it knows, else the client's.</summary>
    public static string Spell(ReadOnlySpan<byte> name)
    {
        if (name.Length < s_byLength.Length)
        {
            foreach (var known in s_byLength[name.Length])
            {
                if (Ascii.EqualsIgnoreCase(name, known))
                {
                    return known;
                }
            }
        }
        return Encoding.Latin1.GetString(name);
    }

    private static string[][] ByLength()
    {
        var longest = s_names.Max(name => name.Length);
        var byLength = new string[longest + 1][];
        for (var length = 0; length <= longest; length++)
        {
            byLength[length] = [.. s_names.Where(name => name.Length == length)];
        }
        return byLength;
    }
}
