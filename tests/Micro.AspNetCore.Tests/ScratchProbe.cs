namespace Micro.AspNetCore.Tests;

public sealed class ScratchProbe
{
    [Theory]
    [OnEveryServer]
    public async Task Probe(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.Run(async c =>
        {
            var r = c.Request;
            var cookies = string.Join(";", r.Cookies.Select(kv => kv.Key + "=" + kv.Value));
            var text = $"m={r.Method} p={r.Path.Value} pb={r.PathBase.Value} q={r.QueryString.Value} proto={r.Protocol} host={r.Host.Value} hv=[{r.Headers.Host}] cl={r.ContentLength} ct={r.ContentType} ck={cookies} hc={r.Headers.Count} raw={c.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget} body={await new StreamReader(r.Body).ReadToEndAsync()}";
            await c.Response.WriteAsync(text);
        }));
        var requests = new[]
        {
            "GET //double//slash HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /a/%2e%2e/b/./c HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /x?a=1&a=2&b=%20+ HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: \r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
            "GET /x HTTP/1.0\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2; c=3\r\n\r\n",
            "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nabc",
            "GET /caf%C3%A9/%FF HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: x:99999\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "DELETE /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
            "get /x HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Spaces:    padded   \r\n\r\n",
            "GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /x?%00 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET http://other:81/abs?q HTTP/1.1\r\nHost: other:81\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n",
            "GET /x HTTP/1.1\r\nhost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
        };
        foreach (var request in requests)
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", app.Address.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));
            await using var client = await Task.FromResult<object?>(null) is null ? null as IAsyncDisposable : null;
            var all = new MemoryStream();
            var buffer = new byte[8192];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, deadline.Token);
                    if (n == 0)
                    {
                        break;
                    }
                    all.Write(buffer, 0, n);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
            var text = Encoding.UTF8.GetString(all.ToArray());
            var status = text.Split("\r\n")[0];
            var body = text.Contains("\r\n\r\n") ? text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..] : "";
            Console.WriteLine($"PROBE {server,-11} {request.Split("\r\n")[0]}|{request.Split("\r\n")[1]}@@ {status} :: {body.Replace("\r\n", "\\n")}");
        }
    }
}
