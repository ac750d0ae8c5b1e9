using System.Net;

namespace Micro.Hosting;

/// <summary>
/// Where to listen, from the command line (<c>--urls http://host:port;...</c> or <c>--port N</c>), ASPNETCORE_URLS or
/// ASPNETCORE_HTTP_PORTS,
/// the connection cap (<c>--max-connections N</c>) and the opt-in to share the port with another process for a hand-over
/// (<c>--share-port</c>).
/// </summary>
internal static class ListenOptions
{
    /// <param name="args">The command line.</param>
    /// <param name="aspNetCoreUrls">ASPNETCORE_URLS, as Kestrel reads it.</param>
    /// <param name="aspNetCoreHttpPorts">
    /// ASPNETCORE_HTTP_PORTS ("8080" or "8080;8081"), which .NET's container images set: every address on those ports,
    /// as Kestrel does, when ASPNETCORE_URLS and the command line say nothing.
    /// </param>
    /// <param name="defaultUrls">Where to listen when nothing else says.</param>
    public static MicroServerOptions FromCommandLine(string[] args, string? aspNetCoreUrls, string? aspNetCoreHttpPorts = null, string defaultUrls = "http://127.0.0.1:8080")
    {
        var options = new MicroServerOptions();
        string? urls = aspNetCoreUrls;
        if (string.IsNullOrWhiteSpace(urls) && !string.IsNullOrWhiteSpace(aspNetCoreHttpPorts))
        {
            urls = string.Join(';', aspNetCoreHttpPorts.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(port => int.TryParse(port, out var number) && number is >= 0 and <= 65535
                    ? $"http://*:{number}"
                    : throw new ArgumentException($"ASPNETCORE_HTTP_PORTS needs port numbers separated by ';', not '{aspNetCoreHttpPorts}'")));
        }
        for (var i = 0; i < args.Length; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            var value = inline ?? (i + 1 < args.Length ? args[i + 1] : null);
            switch (name)
            {
                case "--urls":
                    urls = value ?? throw new ArgumentException("--urls needs a value, such as http://127.0.0.1:8080");
                    break;
                case "--max-connections":
                    if (!int.TryParse(value, out var max) || max < 1)
                    {
                        throw new ArgumentException($"--max-connections needs a positive number, not '{value}'");
                    }
                    options.MaxConnections = max;
                    break;
                case "--share-port":
                    options.SharePort = true;
                    break;
                case "--port":
                    if (!int.TryParse(value, out var port) || port is < 0 or > 65535)
                    {
                        throw new ArgumentException($"--port needs a port number from 0 to 65535, not '{value}'");
                    }
                    urls = $"http://127.0.0.1:{port}";
                    break;
            }
        }
        foreach (var url in (urls ?? defaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            options.EndPoints.AddRange(Parse(url));
        }
        return options;
    }

    /// <summary>
    /// What "*" and "+" bind: IPv6's any address with IPv4's mapped into it (the transport clears IPV6_V6ONLY), so
    /// clients of both families reach the server, as Kestrel, Node and Go bind it; IPv4's alone where the kernel has no
    /// IPv6. An IPv4 client then shows as ::ffff:a.b.c.d, as on Kestrel; "0.0.0.0" binds IPv4 alone.
    /// </summary>
    internal static IPAddress EveryAddress => System.Net.Sockets.Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    /// <summary>
    /// The endpoints an address names: "localhost" both loopbacks, as Kestrel reads it (a client that resolves it to
    /// ::1 first, as Node's does, reaches the server too; IPv4's alone where the machine has no IPv6 loopback), an IP
    /// address itself. Names are not resolved: another name is refused (a mistyped address must not bind every
    /// interface unnoticed), unless <paramref name="nameBindsEveryAddress"/>, as Kestrel binds it (the ASP.NET Core
    /// host, which says so in its log).
    /// </summary>
    internal static IPEndPoint[] Parse(string url, bool nameBindsEveryAddress = false)
    {
        var (host, port) = HostAndPort(url);
        if (IsLocalhost(host))
        {
            if (port == 0)
            {
                // Two sockets would get two ports; Kestrel refuses it in these words.
                throw new InvalidOperationException($"'{url}': Dynamic port binding is not supported when binding to localhost. You must either bind to 127.0.0.1:0 or [::1]:0, or both.");
            }
            return HasIPv6Loopback.Value
                ? [new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.IPv6Loopback, port)]
                : [new IPEndPoint(IPAddress.Loopback, port)];
        }
        var address = host switch
        {
            "*" or "+" => EveryAddress,
            _ when IPAddress.TryParse(host, out var parsed) => parsed,
            _ when nameBindsEveryAddress => EveryAddress,
            _ => throw new ArgumentException($"'{url}': '{host}' is not an IP address (names other than localhost are not resolved; '*' binds every address)."),
        };
        return [new IPEndPoint(address, port)];
    }

    /// <summary>Whether an address names "localhost", which binds the loopbacks, not what a resolver says.</summary>
    internal static bool NamesLocalhost(string url) => IsLocalhost(HostAndPort(url).Host);

    /// <summary>Whether an address's host is a name other than localhost (not an IP address, '*' or '+').</summary>
    internal static bool NamesOtherHost(string url) => HostAndPort(url).Host is var host && host is not ("*" or "+")
        && !IsLocalhost(host) && !IPAddress.TryParse(host, out _);

    private static bool IsLocalhost(string host) => host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// "http://host:port", as Kestrel reads it: the port is 80 when the address names none ("http://+"), a trailing '/'
    /// is allowed, a path is not (it would be a path base, which is the app's to set). Each mistake is said as it is.
    /// </summary>
    private static (string Host, int Port) HostAndPort(string url)
    {
        if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{url}': Micro serves plain http:// (put TLS in front of it).");
        }
        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(url.Contains("://", StringComparison.Ordinal)
                ? $"'{url}': Micro listens on http:// addresses only, such as http://127.0.0.1:8080."
                : $"'{url}' is not an address to listen on: it needs its scheme, such as http://127.0.0.1:8080.");
        }
        var authority = url["http://".Length..];
        var slash = authority.IndexOf('/');
        if (slash >= 0 && slash < authority.Length - 1)
        {
            // Kestrel's words: a path base is set in the app (UsePathBase; a Micro app mounts a router at a prefix).
            throw new ArgumentException($"'{url}': A path base can only be configured using IApplicationBuilder.UsePathBase().");
        }
        var hostPort = slash >= 0 ? authority[..slash] : authority;
        var colon = hostPort.LastIndexOf(':');
        if (colon < 0 || hostPort.EndsWith(']'))
        {
            return (hostPort.Trim('[', ']'), 80); // no port: the scheme's own, as Kestrel binds it
        }
        if (!int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"'{url}' needs a port from 0 to 65535, such as http://127.0.0.1:8080");
        }
        return (hostPort[..colon].Trim('[', ']'), port);
    }

    /// <summary>
    /// Whether [::1] can be bound: a kernel with IPv6 may still have none on its loopback (a container started with
    /// IPv6 disabled), where "localhost" is 127.0.0.1 alone. Found once, by binding port 0.
    /// </summary>
    private static readonly Lazy<bool> HasIPv6Loopback = new(() =>
    {
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            return false;
        }
        try
        {
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    });
}
