using System.Net;
using System.Text;

namespace Micro.Proxy;

/// <summary>
/// Behind a reverse proxy: the client's address, scheme and host from the <c>X-Forwarded-For/Proto/Host</c> headers
/// (or, when enabled, RFC 7239 <c>Forwarded</c>), believed only from trusted proxies. Walking from the nearest hop, each
/// entry is taken while the hop that wrote it is trusted, up to <see cref="ForwardedHeadersOptions.ForwardLimit"/>.
/// </summary>
public static class ForwardedHeaders
{
    /// <summary>
    /// Reads forwarded headers for every request, giving <c>req.RemoteEndPoint</c>, <c>req.Ip</c>, <c>req.Scheme</c>
    /// and <c>req.Host</c>. Add it first, so the middleware after it sees the client as the proxy saw it.
    /// </summary>
    public static TRouter UseForwardedHeaders<TRouter>(this TRouter app, Action<ForwardedHeadersOptions>? configure = null) where TRouter : Router
    {
        var options = new ForwardedHeadersOptions();
        configure?.Invoke(options);
        app.Use(new Step(options).Invoke);
        return app;
    }

    /// <summary>All its work is done before the route runs: the pipeline goes straight on, with no layer.</summary>
    private sealed class Step(ForwardedHeadersOptions options) : IUpFrontStep
    {
        public bool ServeUpFront(Request req, Response res)
        {
            Apply(req, options);
            return true;
        }

        public ValueTask Invoke(Request req, Response res, Next next)
        {
            ServeUpFront(req, res);
            return next.Invoke();
        }
    }

    internal static void Apply(Request request, ForwardedHeadersOptions options)
    {
        var peer = request.Exchange.RemoteEndPoint;
        if (peer is null || !options.Trusts(peer.Address))
        {
            return; // an untrusted peer's headers say nothing
        }
        var entries = Read(request, options);
        if (entries is null)
        {
            return;
        }
        IPEndPoint? client = null;
        string? scheme = null;
        string? host = null;
        var applied = 0;
        var hop = peer.Address;
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (!options.Trusts(hop) || (options.ForwardLimit is { } limit && applied >= limit))
            {
                break;
            }
            var entry = entries[i];
            if (!TryParseNode(entry.For, out var node))
            {
                break; // "unknown", an obfuscated name or garbage: the chain ends here
            }
            client = node;
            scheme = Scheme(entry.Proto) ?? scheme;
            host = IsHost(entry.Host) ? entry.Host : host;
            applied++;
            hop = node.Address;
        }
        if (applied > 0)
        {
            request.Forwarded = new ForwardedValues(client, scheme, host);
        }
    }

    private sealed record Entry(string? For, string? Proto, string? Host);

    /// <summary>The hops, nearest last; null when the request carries none.</summary>
    private static List<Entry>? Read(Request request, ForwardedHeadersOptions options)
    {
        if (options.UseForwarded && Values(request, "Forwarded") is { Count: > 0 } forwarded)
        {
            return [.. forwarded.Select(ParseForwardedElement)];
        }
        if (!options.UseXForwarded || Values(request, "X-Forwarded-For") is not { Count: > 0 } addresses)
        {
            return null;
        }
        var protos = Values(request, "X-Forwarded-Proto") ?? [];
        var hosts = Values(request, "X-Forwarded-Host") ?? [];
        // The lists line up from the right: the nearest proxy appended last to each.
        return [.. addresses.Select((address, i) => new Entry(
            address,
            ElementAt(protos, protos.Count - addresses.Count + i),
            ElementAt(hosts, hosts.Count - addresses.Count + i)))];
    }

    private static string? ElementAt(List<string> list, int index) => index >= 0 && index < list.Count ? list[index] : null;

    /// <summary>Every comma-separated element of every line of <paramref name="name"/>, in order; null when absent.</summary>
    private static List<string>? Values(Request request, string name)
    {
        var exchange = request.Exchange;
        var bytes = exchange.RequestBytes;
        List<string>? values = null;
        foreach (var header in exchange.Head.Headers)
        {
            if (Ascii.EqualsIgnoreCase(header.Name.Of(bytes), name))
            {
                values ??= [];
                values.AddRange(SplitOutsideQuotes(Encoding.Latin1.GetString(header.Value.Of(bytes)), ','));
            }
        }
        return values;
    }

    /// <summary>One RFC 7239 element: <c>for=...;proto=...;host=...;by=...</c>, values possibly quoted.</summary>
    private static Entry ParseForwardedElement(string element)
    {
        string? forValue = null, proto = null, host = null;
        foreach (var pair in SplitOutsideQuotes(element, ';'))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }
            var value = pair[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1].Replace("\\\"", "\"");
            }
            switch (pair[..equals].Trim().ToLowerInvariant())
            {
                case "for":
                    forValue ??= value;
                    break;
                case "proto":
                    proto ??= value;
                    break;
                case "host":
                    host ??= value;
                    break;
            }
        }
        return new Entry(forValue, proto, host);
    }

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (text[i] == separator && !quoted)
            {
                parts.Add(text[start..i].Trim());
                start = i + 1;
            }
        }
        parts.Add(text[start..].Trim());
        parts.RemoveAll(string.IsNullOrEmpty);
        return parts;
    }

    /// <summary>An address, with or without a port: 192.0.2.1, 192.0.2.1:4711, 2001:db8::1, [2001:db8::1]:4711.</summary>
    private static bool TryParseNode(string? node, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrEmpty(node))
        {
            return false;
        }
        var withPort = node[0] == '[' || node.Count(c => c == ':') == 1;
        if (withPort)
        {
            return IPEndPoint.TryParse(node, out endPoint!);
        }
        if (IPAddress.TryParse(node, out var address))
        {
            endPoint = new IPEndPoint(address, 0);
            return true;
        }
        return false;
    }

    /// <summary>
    /// "http" or "https", the only schemes an HTTP request can have arrived with; anything else is refused (the
    /// scheme stays what it was). Believing any token would let one proxied client mint a new <c>url.scheme</c>
    /// series in the metrics per request, and hand the app a scheme it cannot build a link with.
    /// </summary>
    private static string? Scheme(string? proto) =>
        string.Equals(proto, "https", StringComparison.OrdinalIgnoreCase) ? "https"
        : string.Equals(proto, "http", StringComparison.OrdinalIgnoreCase) ? "http"
        : null;

    /// <summary>A host and optional port, as a Host header may hold (no spaces, controls or path).</summary>
    private static bool IsHost(string? host)
    {
        if (string.IsNullOrEmpty(host) || host.Length > 255)
        {
            return false;
        }
        var name = host;
        var colon = host.LastIndexOf(':');
        if (colon > 0 && host[0] != '[' || (host[0] == '[' && colon > host.IndexOf(']')))
        {
            if (!ushort.TryParse(host.AsSpan(colon + 1), out _))
            {
                return false;
            }
            name = host[..colon];
        }
        return Uri.CheckHostName(name.Trim('[', ']')) != UriHostNameType.Unknown;
    }
}
