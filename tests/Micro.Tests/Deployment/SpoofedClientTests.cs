using System.Net.Http.Json;
using Micro.Diagnostics;
using Micro.Proxy;

namespace Micro.Tests.Deployment;

/// <summary>
/// Issue 20: a client that names its own address, scheme and host in every forwarded header it can think of, through
/// each shipped proxy configuration run for real (nginx, HAProxy, Caddy with TLS, over HTTP/1.1 and HTTP/2), to two
/// instances: one with the forwarded-headers defaults, one that also reads RFC 7239 <c>Forwarded</c>. Both must see
/// the true peer, the scheme the proxy served and the host the client asked for, as Kestrel does behind the same files.
/// </summary>
[Collection(nameof(Http.AllocationTests))] // proxies, two servers and their clients: alone
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SpoofedClientTests
{
    private sealed record Who(string Instance, string? Ip, string Scheme, string? Host);

    /// <summary>Every forwarded header a client could send to name itself 6.6.6.6, over http, at evil.example.</summary>
    internal static void AddSpoofedHeaders(HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("Forwarded", "for=6.6.6.6;proto=http;host=evil.example");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=\"[2001:db8::6]\";proto=http;host=evil.example");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6, 7.7.7.7");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
    }

    private static MicroApp Instance(string name, bool readForwarded)
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 2 });
        app.UseForwardedHeaders(options => options.UseForwarded = readForwarded);
        app.MapHealth("/healthz");
        app.Get("/whoami", (req, res) => res.Json(new Who(name, req.Ip, req.Scheme, req.Host)));
        app.Listen(0);
        return app;
    }

    [Theory]
    [InlineData("nginx")]
    [InlineData("haproxy")]
    [InlineData("caddy")]
    public async Task A_client_cannot_spoof_its_address_scheme_or_host_through_the_shipped_proxy_configuration(string proxyName)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        MicroApp[] instances = [Instance("defaults", readForwarded: false), Instance("rfc7239", readForwarded: true)];
        try
        {
            IReadOnlyList<IPEndPoint> upstreams = [.. instances.Select(app => app.EndPoints[0])];
            using ReverseProxy proxy = proxyName switch
            {
                "nginx" => await NginxProcess.StartAsync(upstreams, deadline.Token),
                "haproxy" => await HaproxyProcess.StartAsync(upstreams, deadline.Token),
                _ => await CaddyProcess.StartAsync(upstreams, deadline.Token),
            };
            var seen = new List<Who>();
            foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
            {
                using var client = ProxyFiles.Client(proxy, version);
                for (var i = 0; i < 12; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
                    if (i % 3 != 2)
                    {
                        AddSpoofedHeaders(request);
                    }
                    using var response = await client.SendAsync(request, deadline.Token);
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{proxyName} answered {(int)response.StatusCode}:\n{proxy.Log}");
                    seen.Add((await response.Content.ReadFromJsonAsync<Who>(deadline.Token))!);
                }
            }
            Assert.All(seen, who => Assert.Equal(new Who(who.Instance, "127.0.0.2", "https", $"127.0.0.1:{proxy.Port}"), who));
            Assert.Equal(["defaults", "rfc7239"], seen.Select(who => who.Instance).Distinct().Order());
        }
        finally
        {
            foreach (var app in instances)
            {
                await app.StopAsync();
            }
        }
    }
}
