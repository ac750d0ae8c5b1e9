using Micro.Proxy;

namespace Micro.Tests.Features;

/// <summary>Forwarded headers over real sockets: the test's client is the proxy, on loopback.</summary>
public sealed class ForwardedHeadersTests
{
    private static MicroApp App(Action<ForwardedHeadersOptions>? configure = null)
    {
        var app = new MicroApp().UseForwardedHeaders(configure);
        app.Get("/", (req, res) => res.Send($"{req.Ip}|{req.Scheme}|{req.Host}|{req.IsHttps}"));
        return app;
    }

    private static async Task<string> AskAsync(MicroApp app, params (string Name, string Value)[] headers)
    {
        var answer = "";
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/");
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            answer = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        });
        return answer;
    }

    [Fact]
    public async Task A_trusted_proxy_gives_the_clients_address_scheme_and_host()
    {
        Assert.Equal("203.0.113.7|https|shop.example|True", await AskAsync(App(),
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "shop.example")));
    }

    [Fact]
    public async Task Without_forwarded_headers_the_peer_is_the_client()
    {
        Assert.StartsWith("127.0.0.1|http|127.0.0.1:", await AskAsync(App()));
    }

    [Fact]
    public async Task Headers_from_an_untrusted_peer_are_ignored()
    {
        var app = App(options =>
        {
            options.KnownNetworks.Clear();
            options.KnownNetworks.Add(IPNetwork.Parse("10.0.0.0/8"));
        });
        var answer = await AskAsync(app, ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"),
            ("Forwarded", "for=198.51.100.9;proto=https;host=evil.example"));
        Assert.StartsWith("127.0.0.1|http|127.0.0.1:", answer);
    }

    [Fact]
    public async Task Only_hops_written_by_trusted_proxies_count_up_to_the_limit()
    {
        // One proxy (the limit): the nearest entry only.
        Assert.StartsWith("203.0.113.7|", await AskAsync(App(), ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")));
        // No limit, but 203.0.113.7 is not a trusted proxy: what it claims (198.51.100.1) could be anything.
        Assert.StartsWith("203.0.113.7|", await AskAsync(App(options => options.ForwardLimit = null), ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")));
        // Trusted as a proxy too: the chain goes on to the client.
        var chained = App(options =>
        {
            options.ForwardLimit = null;
            options.KnownProxies.Add(IPAddress.Parse("203.0.113.7"));
        });
        Assert.StartsWith("198.51.100.1|", await AskAsync(chained, ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")));
    }

    [Fact]
    public async Task Rfc7239_forwarded_when_enabled_is_read_with_quoted_ipv6_and_wins_over_x_forwarded()
    {
        var answer = await AskAsync(App(options => options.UseForwarded = true),
            ("Forwarded", "for=\"[2001:db8:cafe::17]:4711\";proto=https;host=api.example"),
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "http"), ("X-Forwarded-Host", "other.example"));
        Assert.Equal("2001:db8:cafe::17|https|api.example|True", answer);
        // Only Forwarded is read: a hop it names without a scheme or host does not borrow them from X-Forwarded-*.
        answer = await AskAsync(App(options => options.UseForwarded = true), ("Forwarded", "for=198.51.100.9"),
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "other.example"));
        Assert.StartsWith("198.51.100.9|http|127.0.0.1:", answer);
    }

    [Fact]
    public async Task Forwarded_from_a_client_passed_through_by_a_proxy_is_not_believed_by_default()
    {
        // Issue 20: nginx, HAProxy and Caddy set X-Forwarded-* and pass the client's own Forwarded header through.
        var answer = await AskAsync(App(), ("Forwarded", "for=6.6.6.6;proto=https;host=evil.example"),
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "http"), ("X-Forwarded-Host", "shop.example"));
        Assert.Equal("203.0.113.7|http|shop.example|False", answer);
        Assert.StartsWith("127.0.0.1|http|127.0.0.1:", await AskAsync(App(), ("Forwarded", "for=6.6.6.6;proto=https;host=evil.example")));
    }

    [Fact]
    public async Task Only_http_and_https_are_believed_as_the_clients_scheme()
    {
        foreach (var proto in new[] { "ftp", "javascript", "https2", "h t t p s", "x" + new string('s', 100) })
        {
            Assert.StartsWith("203.0.113.7|http|", await AskAsync(App(), ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", proto)));
        }
        Assert.Equal("203.0.113.7|https|shop.example|True",
            await AskAsync(App(), ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "HTTPS"), ("X-Forwarded-Host", "shop.example")));
    }

    [Fact]
    public async Task Unknown_nodes_and_malformed_values_change_nothing()
    {
        Assert.StartsWith("127.0.0.1|http|", await AskAsync(App(options => options.UseForwarded = true), ("Forwarded", "for=unknown;proto=https")));
        Assert.StartsWith("127.0.0.1|http|", await AskAsync(App(), ("X-Forwarded-For", "not-an-address")));
        // A good address with a bad scheme and host: the address is taken, the rest is not.
        var answer = await AskAsync(App(), ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "ht tp"), ("X-Forwarded-Host", "a/b"));
        Assert.StartsWith("203.0.113.7|http|127.0.0.1:", answer);
    }
}
