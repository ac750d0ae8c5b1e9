using System.Text;

namespace Micro.Redis;

/// <summary>
/// Redis channel names for topics: the app's prefix, then the topic with every byte outside letters, digits and
/// <c>- _ . : /</c> written as %XX (its UTF-8), so no topic can look like a glob pattern (<c>* ? [ ]</c>), hold control
/// characters, or reach outside the app's prefix.
/// </summary>
internal static class ChannelNames
{
    public static string DefaultPrefix() => $"micro:{Encode(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "app")}:";

    public static string For(string prefix, string topic) => prefix + Encode(topic);

    public static bool NeedsEncoding(string text) => Encode(text) != text;

    public static string Encode(string text)
    {
        if (!text.AsSpan().ContainsAnyExcept(Safe))
        {
            return text;
        }
        var encoded = new StringBuilder(text.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b < 0x80 && Safe.Contains((char)b))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Safe =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/");
}
