using System.Diagnostics;
using Micro.Cors;
using Micro.Tests.WebSockets;
using Micro.WebSockets;

namespace Micro.Tests.Features;

/// <summary>
/// List-valued request headers sent on several lines (which HttpClient and browsers do not do, so over raw sockets):
/// the lines of a field are one list, their values joined by commas (RFC 9110 section 5.3), wherever the framework
/// reads such a list: content negotiation, a WebSocket's Upgrade, subprotocols and extensions, a CORS preflight's headers, a
/// trace's vendor state, a file's If-None-Match.
/// </summary>
public sealed class ListHeaderLinesTests
{
    [Fact]
    public async Task Accept_on_two_lines_is_negotiated_as_one_list() =>
        Assert.Equal("json", await NegotiateAsync("Accept: image/png\r\nAccept: text/html;q=0.5, application/json\r\n")); // the first line names neither

    [Fact]
    public async Task Accept_on_ninety_lines_is_one_list_in_their_order()
    {
        // A head of many lines of one field (a hostile client's, within the header count limit) is joined once, at its
        // length; the type the last line accepts is found after the eighty-nine the lines before refuse.
        var refusals = string.Concat(Enumerable.Range(0, 89).Select(i => $"Accept: x/y{i};q=0, application/json;q=0\r\n"));
        Assert.Equal("html", await NegotiateAsync(refusals + "Accept: text/html\r\n"));
    }

    /// <summary>What <c>req.Accepts("json", "html")</c> answers a request with <paramref name="acceptLines"/>.</summary>
    private static async Task<string> NegotiateAsync(string acceptLines)
    {
        var app = new MicroApp();
        app.Get("/negotiate", (req, res) => res.Send(req.Accepts("json", "html") ?? "406"));
        var answer = "";
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync($"GET /negotiate HTTP/1.1\r\nHost: test\r\n{acceptLines}\r\n");
            answer = (await client.ReadResponsesAsync(1))[0].Body;
        });
        return answer;
    }

    [Fact]
    public async Task A_websocket_subprotocol_and_extension_offered_on_later_lines_are_chosen()
    {
        var options = new WebSocketOptions { Compression = new WebSocketCompression() };
        options.SubProtocols.Add("chat.v2");
        await using var server = new WebSocketApp(options: options);
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo",
            "Sec-WebSocket-Protocol: chat.v1\r\nSec-WebSocket-Protocol: chat.v2\r\n" +
            "Sec-WebSocket-Extensions: x-unknown-extension\r\nSec-WebSocket-Extensions: permessage-deflate\r\n");
        await using (client)
        {
            Assert.StartsWith("HTTP/1.1 101", head);
            Assert.Contains("Sec-WebSocket-Protocol: chat.v2\r\n", head);
            Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate", head);
        }
    }

    [Fact]
    public async Task An_upgrade_to_websocket_named_on_a_second_upgrade_line_is_accepted()
    {
        await using var server = new WebSocketApp();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: test\r\nUpgrade: h2c\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {RawWebSocket.Key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        var head = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!head.ToString().Contains("\r\n\r\n"))
        {
            var read = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.True(read > 0, $"The server closed the connection after: {head}");
            head.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
        Assert.StartsWith("HTTP/1.1 101", head.ToString());
    }

    [Theory]
    [InlineData("X-Request-Id", true)]
    [InlineData("X-Not-Allowed", false)] // a header the policy does not allow, on the second line, is seen and refused
    public async Task A_preflights_requested_headers_on_two_lines_are_judged_together(string secondLine, bool allowed)
    {
        var app = new MicroApp().UseCors(policy => policy.WithOrigins("https://app.example").WithMethods("PUT").WithHeaders("Content-Type", "X-Request-Id"));
        app.Put("/items/:id", (req, res) => res.Send("put"));
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("OPTIONS /items/1 HTTP/1.1\r\nHost: test\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: PUT\r\n" +
                $"Access-Control-Request-Headers: content-type\r\nAccess-Control-Request-Headers: {secondLine}\r\n\r\n");
            var response = (await client.ReadResponsesAsync(1))[0];
            Assert.Equal(204, response.Status);
            Assert.Equal(allowed ? $"content-type, {secondLine}" : null, response.Headers.GetValueOrDefault("Access-Control-Allow-Headers"));
        });
    }

    [Fact]
    public async Task Tracestate_on_two_lines_continues_the_trace_with_both()
    {
        var traced = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Micro.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((activity.GetTagItem("url.path") as string) == "/traced-on-two-lines")
                {
                    traced.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var app = new MicroApp();
        app.Get("/traced-on-two-lines", (req, res) => res.Send("ok"));
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /traced-on-two-lines HTTP/1.1\r\nHost: test\r\n" +
                "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\ntracestate: a=1\r\ntracestate: b=2\r\n\r\n");
            Assert.Equal("ok", (await client.ReadResponsesAsync(1))[0].Body);
        });
        var activity = await traced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", activity.TraceId.ToHexString());
        Assert.Equal("a=1, b=2", activity.TraceStateString);
    }

    [Fact]
    public async Task If_none_match_on_two_lines_finds_the_entity_tag_on_the_second()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "cached content");
            var app = new MicroApp();
            app.Get("/file", (req, res) => res.SendFile(file));
            await TestApp.RunAsync(app, async (http, url) =>
            {
                var etag = (await http.GetAsync("/file")).Headers.ETag!.ToString();
                await using var client = await TestApp.ConnectAsync(url);
                await client.SendAsync($"GET /file HTTP/1.1\r\nHost: test\r\nIf-None-Match: \"some-other\"\r\nIf-None-Match: {etag}\r\n\r\n");
                Assert.Equal(304, (await client.ReadResponsesAsync(1))[0].Status);
            });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
