// Hello, World on Micro's low-level handler: http://127.0.0.1:8080/ by default, or --port N / --urls http://host:port.
using System.Net;
using Micro;
using Micro.Http;
using Micro.Parser;
using Microsoft.Extensions.Logging;

var options = new MicroServerOptions();
options.EndPoints.Add(ParseEndPoint(args));
using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));

var server = new MicroServer(options, exchange =>
{
    var path = exchange.Head.Path.Of(exchange.RequestBytes);
    if (path.SequenceEqual("/"u8) || path.SequenceEqual("/plaintext"u8))
    {
        exchange.Respond(200, "text/plain"u8, "Hello, World!"u8);
    }
    else if (path.SequenceEqual("/json"u8))
    {
        exchange.Respond(200, "application/json"u8, "{\"message\":\"Hello, World!\"}"u8);
    }
    else if (path.SequenceEqual("/echo"u8) && exchange.Head.Method == RequestMethod.Post)
    {
        exchange.Respond(200, "application/octet-stream"u8, exchange.Body);
    }
    else if (path.SequenceEqual("/slow"u8))
    {
        return SlowAsync(exchange);
    }
    else
    {
        exchange.Respond(404, "text/plain"u8, "Not Found"u8);
    }
    return default;
}, logging);

server.Start();
Console.WriteLine($"Micro listening on http://{server.EndPoints[0]} (Ctrl+C to stop)");
await server.RunAsync();

static async ValueTask SlowAsync(HttpExchange exchange)
{
    await Task.Delay(100);
    exchange.Respond(200, "text/plain"u8, "slow"u8);
}

static IPEndPoint ParseEndPoint(string[] args)
{
    for (var i = 0; i < args.Length - 1; i++)
    {
        if (args[i] == "--port")
        {
            return new IPEndPoint(IPAddress.Loopback, int.Parse(args[i + 1]));
        }
        if (args[i] == "--urls")
        {
            var uri = new Uri(args[i + 1].Split(';')[0]);
            var host = uri.Host is "*" or "+" or "0.0.0.0" ? IPAddress.Any : uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(uri.Host.Trim('[', ']'));
            return new IPEndPoint(host, uri.Port);
        }
    }
    return new IPEndPoint(IPAddress.Loopback, 8080);
}
