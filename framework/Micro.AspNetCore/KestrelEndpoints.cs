using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.AspNetCore;

/// <summary>
/// The endpoints an app configured for Kestrel, in code (<c>ConfigureKestrel(o => o.ListenAnyIP(8080))</c>) or in its
/// Kestrel configuration section (<c>Kestrel:Endpoints</c>), so an app moves to Micro with one line. As on Kestrel, they take the place of the host's addresses (unless
/// PreferHostingUrls). Micro serves HTTP/1.1 in the clear: an endpoint for HTTP/2 or HTTP/3 only, or with TLS, is left
/// out and said so in the log. Kestrel keeps the list internal; it is read by reflection, and if that ever fails the
/// host's addresses are used and the log says why.
/// </summary>
internal static class KestrelEndpoints
{
    public static IReadOnlyList<IPEndPoint> Read(IServiceProvider services, ILogger logger)
    {
        var options = services.GetService<IOptions<KestrelServerOptions>>()?.Value;
        if (options is null)
        {
            return [];
        }
        var listProperty = typeof(KestrelServerOptions).GetProperty("CodeBackedListenOptions", BindingFlags.Instance | BindingFlags.NonPublic);
        var tlsProperty = typeof(ListenOptions).GetProperty("IsTls", BindingFlags.Instance | BindingFlags.NonPublic);
        if (listProperty?.GetValue(options) is not IEnumerable<ListenOptions> configured || tlsProperty is null)
        {
            logger.LogWarning("Micro could not read the endpoints configured for Kestrel in code (this version of ASP.NET Core keeps them elsewhere); the host's addresses are used.");
            return [];
        }
        var endPoints = new List<IPEndPoint>();
        foreach (var listen in configured)
        {
            var tls = tlsProperty.GetValue(listen) is true;
            if (listen.IPEndPoint is not { } endPoint)
            {
                logger.LogWarning("The Kestrel endpoint {EndPoint} is not an IP endpoint; Micro does not serve it.", listen.EndPoint);
            }
            else if (tls || (listen.Protocols & HttpProtocols.Http1) == 0)
            {
                logger.LogInformation("The Kestrel endpoint {EndPoint} ({Protocols}{Tls}) is not served: Micro serves HTTP/1.1 in the clear.",
                    endPoint, listen.Protocols, tls ? ", TLS" : "");
            }
            else
            {
                endPoints.Add(endPoint);
            }
        }
        AddConfigured(options, endPoints, logger);
        return endPoints;
    }

    /// <summary>
    /// The endpoints of the app's Kestrel configuration section (<c>Kestrel:Endpoints:{name}:Url</c>, as appsettings.json
    /// or <c>Kestrel__Endpoints__Http__Url</c> set them), which Kestrel binds beside those of its code: an https:// URL
    /// or an endpoint without HTTP/1.1 (its own <c>Protocols</c>, or <c>EndpointDefaults</c>') is left out and said so.
    /// </summary>
    private static void AddConfigured(KestrelServerOptions options, List<IPEndPoint> endPoints, ILogger logger)
    {
        if (options.ConfigurationLoader?.Configuration is not { } section)
        {
            return;
        }
        var defaultProtocols = section.GetSection("EndpointDefaults")["Protocols"];
        foreach (var endpoint in section.GetSection("Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (string.IsNullOrWhiteSpace(url))
            {
                throw new InvalidOperationException($"The endpoint {endpoint.Key} is missing the required 'Url' parameter.");
            }
            var protocols = endpoint["Protocols"] ?? defaultProtocols;
            var tls = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            if (tls || (protocols is not null && (!Enum.TryParse<HttpProtocols>(protocols, ignoreCase: true, out var parsed) || (parsed & HttpProtocols.Http1) == 0)))
            {
                logger.LogInformation("The Kestrel endpoint {Name} ({Url}, {Protocols}) is not served: Micro serves HTTP/1.1 in the clear.",
                    endpoint.Key, url, protocols ?? "default protocols");
                continue;
            }
            if (Hosting.ListenOptions.NamesOtherHost(url))
            {
                logger.LogWarning("The Kestrel endpoint {Name} ({Url}) names a host, which is not resolved: every address is bound on its port, as Kestrel binds it.", endpoint.Key, url);
            }
            endPoints.AddRange(Hosting.ListenOptions.Parse(url, nameBindsEveryAddress: true));
        }
    }
}
