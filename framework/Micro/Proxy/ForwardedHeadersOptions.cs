using System.Net;

namespace Micro.Proxy;

/// <summary>
/// Which proxies are trusted to say who the client is, and what they may say. Only a request whose peer is a known
/// proxy or lies in a known network has its forwarded headers read; from anyone else they are ignored (a client can
/// write any header it likes).
/// </summary>
public sealed class ForwardedHeadersOptions
{
    /// <summary>Addresses of trusted proxies. Default: none beyond <see cref="KnownNetworks"/>.</summary>
    public IList<IPAddress> KnownProxies { get; } = [];

    /// <summary>Networks of trusted proxies. Default: loopback (127.0.0.0/8 and ::1/128), for a proxy on the same machine.</summary>
    public IList<IPNetwork> KnownNetworks { get; } = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>How many proxies' entries are applied, from the nearest. Default 1, as ASP.NET Core; null for no limit.</summary>
    public int? ForwardLimit { get; set; } = 1;

    /// <summary>
    /// Read RFC 7239 <c>Forwarded</c> (for, proto, host). Default false: nginx, HAProxy and Caddy write
    /// <c>X-Forwarded-*</c> and pass a client's own <c>Forwarded</c> through unless told to clear it, so believing it
    /// by default would let any client name its address, scheme and host. Turn it on only when every trusted proxy
    /// writes (or clears) it; with <see cref="UseXForwarded"/> also on, a request that carries both is answered from
    /// <c>Forwarded</c> alone: the two are never mixed.
    /// </summary>
    public bool UseForwarded { get; set; }

    /// <summary>Read <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c>, as ASP.NET Core does. Default true.</summary>
    public bool UseXForwarded { get; set; } = true;

    internal bool Trusts(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        // By index: IList's enumerator is boxed on every foreach, and this runs for every request.
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            var proxy = KnownProxies[i];
            if (proxy.Equals(address) || (proxy.IsIPv4MappedToIPv6 && proxy.MapToIPv4().Equals(address)))
            {
                return true;
            }
        }
        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            var network = KnownNetworks[i];
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
