using Micro.Http;

namespace Micro.Tests.Hosting;

/// <summary>
/// A setting the server could not serve by is refused when it starts, in code or configuration alike, with the
/// setting, its value and why: never a server that hangs on its first pipelined request or sends a header it was handed.
/// </summary>
public sealed class OptionsValidationTests
{
    private static ValueTask Hello(HttpExchange exchange)
    {
        exchange.Respond(200, "text/plain"u8, "hello"u8);
        return default;
    }

    public static TheoryData<string, Action<MicroServerOptions>> Refused => new()
    {
        { "ReactorCount", o => o.ReactorCount = 0 },
        { "MaxPipelinedRequests", o => o.MaxPipelinedRequests = 0 },
        { "MaxResponseBufferSize", o => o.MaxResponseBufferSize = -1 },
        { "MaxRequestBodySize", o => o.MaxRequestBodySize = -1 },
        { "MaxConnections", o => o.MaxConnections = 0 },
        { "KeepAliveTimeout", o => o.KeepAliveTimeout = TimeSpan.Zero },
        { "RequestHeadersTimeout", o => o.RequestHeadersTimeout = TimeSpan.FromSeconds(-1) },
        { "MinRequestBodyDataRate", o => o.MinRequestBodyDataRate = double.NaN },
        { "MinResponseDataRate", o => o.MinResponseDataRate = -240 },
        { "MinResponseDataRateGracePeriod", o => o.MinResponseDataRateGracePeriod = TimeSpan.FromSeconds(-5) },
        { "ShutdownTimeout", o => o.ShutdownTimeout = TimeSpan.FromSeconds(-1) },
        { "ShutdownDelay", o => o.ShutdownDelay = TimeSpan.FromSeconds(-1) },
        { "ReactorStallTimeout", o => o.ReactorStallTimeout = TimeSpan.FromSeconds(-2) },
        { "ParserLimits", o => o.ParserLimits = null! },
        { "ServerHeader", o => o.ServerHeader = "Micro\r\nSet-Cookie: session=stolen" },
        { "ServerHeader", o => o.ServerHeader = "Mïcro" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_setting_the_server_cannot_serve_by_is_refused_at_start_by_name_and_a_good_server_starts_after(string setting, Action<MicroServerOptions> configure)
    {
        var options = new MicroServerOptions();
        options.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, 0));
        configure(options);
        var server = new MicroServer(options, Hello);
        var error = Assert.ThrowsAny<ArgumentException>(server.Start);
        Assert.Contains($"MicroServerOptions.{setting} ", error.Message);
        Assert.Equal(setting, error.ParamName);
        Assert.Empty(server.EndPoints); // nothing bound, no reactor left behind
        await using var good = new TestServer(Hello);
        using var client = new HttpClient();
        Assert.Equal("hello", await client.GetStringAsync(good.Url));
    }

    [Fact]
    public void Configuration_is_held_to_the_same_rules_and_the_test_host_too()
    {
        var app = MicroApp.CreateBuilder(["--Micro:MaxPipelinedRequests", "0"]).Build();
        Assert.Equal(0, app.ServerOptions.MaxPipelinedRequests);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => app.Listen(0));
        Assert.Equal("MicroServerOptions.MaxPipelinedRequests is 0: it must be at least 1 (with none allowed, no request could be read). (Parameter 'MaxPipelinedRequests')\nActual value was 0.", error.Message.ReplaceLineEndings("\n"));
        var tested = new MicroApp();
        tested.ServerOptions.KeepAliveTimeout = TimeSpan.Zero;
        Assert.Contains("MicroServerOptions.KeepAliveTimeout is 00:00:00", Assert.Throws<ArgumentOutOfRangeException>(() => new Micro.Testing.MicroTestHost(tested)).Message);
    }

    [Fact]
    public async Task The_edges_that_are_allowed_serve()
    {
        // No response buffer at all, no body allowed, the rules and the watchdog turned off, one request at a time:
        // pipelined requests to a handler that finishes later are each answered, in order, and a body is refused.
        await using var server = new TestServer(async exchange =>
        {
            await Task.Yield();
            exchange.Respond(200, "text/plain"u8, Encoding.ASCII.GetBytes(exchange.TargetText));
        }, o =>
        {
            o.MaxResponseBufferSize = 0;
            o.MaxRequestBodySize = 0;
            o.MinRequestBodyDataRate = 0;
            o.MinResponseDataRate = 0;
            o.ReactorStallTimeout = TimeSpan.Zero;
            o.MaxPipelinedRequests = 1;
            o.ServerHeader = "";
        });
        await using var client = await server.ConnectAsync();
        await client.SendAsync(string.Concat(Enumerable.Range(0, 20).Select(i => $"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n")));
        var responses = await client.ReadResponsesAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"/{i}"), responses.Select(r => r.Body));
        Assert.All(responses, r => Assert.False(r.Headers.ContainsKey("server")));
        await client.SendAsync("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
        Assert.Equal(413, (await client.ReadResponsesAsync(1))[0].Status);
    }
}
