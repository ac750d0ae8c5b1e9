using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// An app that configured Kestrel's limits (in code, or in the Kestrel configuration section) keeps them when it moves
/// to Micro with one line: the same answers on every server. A limit lowered for safety and silently dropped would be
/// the worse failure, so both directions are here; Micro's own settings, applied after, win.
/// </summary>
public sealed class KestrelSettingsTests
{
    private static void MapBody(WebApplication app) =>
        app.MapPost("/body", async (HttpRequest request) => (await new StreamReader(request.Body).ReadToEndAsync()).Length);

    [Theory]
    [OnEveryServer]
    public async Task Limits_set_for_kestrel_in_code_hold(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, MapBody, configure: builder => builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 1000;
            kestrel.Limits.MaxRequestHeaderCount = 8;
            kestrel.AddServerHeader = false;
        }));
        var fits = await app.Client.PostAsync("/body", new ByteArrayContent(new byte[1000]));
        Assert.Equal("1000", await fits.Content.ReadAsStringAsync());
        Assert.Empty(fits.Headers.Server);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/body", new ByteArrayContent(new byte[1001]))).StatusCode);

        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        var headers = string.Concat(Enumerable.Range(0, 10).Select(i => $"X-Header-{i}: {i}\r\n"));
        await client.SendAsync($"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n{headers}\r\n");
        Assert.Equal(431, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [OnEveryServer]
    public async Task A_body_limit_in_the_kestrel_section_holds(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, MapBody, configure: builder =>
        {
            // As ASP.NET Core's documentation has an app bind its Kestrel section to the server's options.
            builder.Configuration["Kestrel:Limits:MaxRequestBodySize"] = "500";
            builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        });
        Assert.Equal("500", await (await app.Client.PostAsync("/body", new ByteArrayContent(new byte[500]))).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/body", new ByteArrayContent(new byte[501]))).StatusCode);
    }

    [Fact]
    public async Task Micros_own_settings_win_over_kestrels()
    {
        await using var app = await ServedApp.StartAsync(ServerKind.Micro, MapBody, configure: builder =>
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 10);
            builder.Configuration["Micro:MaxRequestBodySize"] = "2000";
        });
        Assert.Equal("1500", await (await app.Client.PostAsync("/body", new ByteArrayContent(new byte[1500]))).Content.ReadAsStringAsync());
    }

    [Fact]
    public void Every_kestrel_setting_micro_has_is_taken_where_it_was_changed_and_only_then()
    {
        var kestrel = new KestrelServerOptions { AllowSynchronousIO = true };
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(7);
        kestrel.Limits.MaxConcurrentConnections = 500;
        kestrel.Limits.MaxResponseBufferSize = 128 * 1024;
        kestrel.Limits.MinRequestBodyDataRate = null; // a slow upload allowed
        kestrel.Limits.MinResponseDataRate = new MinDataRate(100, TimeSpan.FromSeconds(10));
        kestrel.Limits.MaxRequestLineSize = 16 * 1024;
        kestrel.Limits.MaxRequestBodySize = null;
        var micro = new MicroServerHostOptions();
        KestrelSettings.Apply(kestrel, micro);
        Assert.True(micro.AllowSynchronousIO);
        Assert.Null(micro.MaxRequestBodySize);
        Assert.Equal("Micro", micro.Server.ServerHeader);
        Assert.Equal(TimeSpan.FromSeconds(20), micro.Server.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), micro.Server.RequestHeadersTimeout);
        Assert.Equal(500, micro.Server.MaxConnections);
        Assert.Equal(128 * 1024, micro.Server.MaxResponseBufferSize);
        Assert.Equal(0, micro.Server.MinRequestBodyDataRate); // off
        Assert.Equal((100.0, TimeSpan.FromSeconds(10)), (micro.Server.MinResponseDataRate, micro.Server.MinResponseDataRateGracePeriod));
        Assert.Equal((16 * 1024, 32 * 1024, 100), (micro.Server.ParserLimits.MaxRequestLineLength, micro.Server.ParserLimits.MaxHeaderBytes, micro.Server.ParserLimits.MaxHeaderCount));

        var untouched = new MicroServerHostOptions();
        KestrelSettings.Apply(new KestrelServerOptions(), untouched);
        Assert.Equivalent(new MicroServerHostOptions(), untouched); // Kestrel's defaults are Micro's: nothing to take

        var unbounded = new KestrelServerOptions();
        unbounded.Limits.MaxResponseBufferSize = null; // Kestrel without a bound: Micro keeps its own
        KestrelSettings.Apply(unbounded, untouched);
        Assert.Equal(64 * 1024, untouched.Server.MaxResponseBufferSize);
    }
}
