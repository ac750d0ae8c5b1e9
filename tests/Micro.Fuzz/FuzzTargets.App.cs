using System.IO.Compression;
using System.Net;
using Micro.Compression;
using Micro.Cors;
using Micro.Proxy;

namespace Micro.Fuzz;

internal static partial class FuzzTargets
{
    private static readonly Lazy<(MicroApp App, ErrorCounter Errors)> App = new(StartApp);

    /// <summary>
    /// A whole connection to an app with the middleware Micro ships in front of its routes: forwarded headers trusting
    /// the loopback client (so they act on what the input forwards), CORS with credentials, compression at every
    /// size, and routes that read typed parameters and query values, negotiate with Accept, answer JSON, stream, echo
    /// the body and serve static files with a precompressed sibling (ranges, conditional requests). Whatever the
    /// headers say, every request the parser accepts gets one answer, in order, that is not a server error (a 501 for
    /// CONNECT aside); a gzip or Brotli body decodes; nothing is logged as an error; a request the parser refuses
    /// ends the connection with its status.
    /// </summary>
    private static void AppConnection(byte[] input)
    {
        var (app, errors) = App.Value;
        var errorsBefore = errors.Count;
        var heads = new List<bool>();
        var expected = ExpectedStatuses(input, heads);
        var responses = ParseResponses(Exchange(app.EndPoints[0], input), heads);
        CheckAnswers(responses, expected);
        if (errors.Count != errorsBefore)
        {
            Fail($"the app logged an error: {errors.Last}");
        }
    }

    /// <summary>One answer per request the parser accepts, in order, none a server error (501 aside), whole bodies that decode; the refused request last, with its status and a close.</summary>
    private static void CheckAnswers(List<Response> responses, (List<int> Statuses, bool Ends) expected)
    {
        if (responses.Count != expected.Statuses.Count)
        {
            Fail($"{responses.Count} responses to {expected.Statuses.Count} requests: [{string.Join(", ", responses.Select(r => r.Status))}]");
        }
        var refused = expected.Ends && expected.Statuses.Count > 0 && expected.Statuses[^1] >= 400;
        for (var i = 0; i < responses.Count; i++)
        {
            var (status, close, coding, body) = responses[i];
            if (refused && i == responses.Count - 1)
            {
                if (status != expected.Statuses[^1] || !close)
                {
                    Fail($"the refused request was answered {status} (close: {close}), not {expected.Statuses[^1]} with Connection: close");
                }
                continue;
            }
            if (status >= 500 && status != 501)
            {
                Fail($"request {i} answered {status}");
            }
            if (status != 206)
            {
                // A 206 carries a part of its representation: of a precompressed sibling (page.html.gz), a part of the
                // gzip stream, which decodes only with the rest, as nginx's gzip_static serves ranges too.
                Decode(coding, body, i);
            }
        }
    }

    private static void Decode(string? coding, byte[] body, int index)
    {
        if (coding is null || body.Length == 0)
        {
            return;
        }
        try
        {
            using System.IO.Stream decoder = coding switch
            {
                "gzip" => new GZipStream(new MemoryStream(body), CompressionMode.Decompress),
                "br" => new BrotliStream(new MemoryStream(body), CompressionMode.Decompress),
                _ => throw new FuzzInvariantException($"response {index} has Content-Encoding '{coding}'"),
            };
            decoder.CopyTo(System.IO.Stream.Null);
        }
        catch (InvalidDataException exception)
        {
            Fail($"response {index}'s {coding} body does not decode: {exception.Message}");
        }
    }

    private static (MicroApp, ErrorCounter) StartApp()
    {
        var errors = new ErrorCounter();
        var logging = new Microsoft.Extensions.Logging.LoggerFactory();
        logging.AddProvider(errors);
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1, MaxRequestBodySize = MaxBody }, logging);
        app.UseForwardedHeaders(options => options.UseForwarded = true)
            .UseCors(policy => policy.WithOrigins("https://app.example").AllowCredentials().WithExposedHeaders("X-Total").WithHeaders("X-Token").WithMethods("PUT"))
            .UseCompression(options => options.MinimumSize = 0);
        app.Get("/", (req, res) => res.Send("Hello, World!"));
        app.Get("/json", (req, res) => res.Json(new Reply(req.Ip, req.Scheme, req.Host, req.Header("User-Agent"), req.Headers.Count, req.Cookies.Count)));
        app.Get("/items/:id", (req, res) => res.Header("X-Total", "3").Send($"item {req.Params.GetInt("id")}"));
        app.Get("/sum", (req, res) => res.Send(((long)req.Query.GetInt("a") + req.Query.GetInt("b")).ToString()));
        app.Get("/negotiate", (req, res) =>
        {
            switch (req.Accepts("json", "html"))
            {
                case "json":
                    res.Json(new Reply(null, null, null, null, 0, 0));
                    break;
                case "html":
                    res.Type("text/html").Send("<p>hi</p>");
                    break;
                default:
                    res.Status(406).Send("Not Acceptable");
                    break;
            }
        });
        app.Get("/stream", async (req, res) =>
        {
            res.Type("text/plain"); // compressible: each chunk compressed when the client asks
            for (var i = 0; i < 3; i++)
            {
                await res.WriteAsync("line of a stream\n"u8.ToArray());
            }
        });
        app.Post("/echo", (req, res) => res.Type("text/plain").Send(req.Body.Span));
        app.Put("/echo", async (req, res) =>
        {
            await Task.Yield();
            res.Type("text/plain").Send(req.Body.Span);
        });
        app.Static("/static", StaticDirectory());
        app.Listen(0);
        return (app, errors);
    }

    private sealed record Reply(string? Ip, string? Scheme, string? Host, string? Agent, int Headers, int Cookies);

    /// <summary>A page and its gzip sibling, written once per process and removed when it exits.</summary>
    private static string StaticDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"micro-fuzz-static-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        var page = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("<p>a static page</p>\n", 40)));
        File.WriteAllBytes(Path.Combine(directory, "page.html"), page);
        using (var gzip = new GZipStream(File.Create(Path.Combine(directory, "page.html.gz")), CompressionLevel.Fastest))
        {
            gzip.Write(page);
        }
        return directory;
    }
}
