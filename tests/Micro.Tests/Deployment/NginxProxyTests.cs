using System.Collections.Concurrent;
using System.Net.Http.Json;
using Micro.Proxy;

namespace Micro.Tests.Deployment;

/// <summary>
/// Issue 14: Micro behind a real nginx (Debian's), configured by the repository's deploy/nginx/micro.conf: TLS and
/// HTTP/2 end at nginx, which keeps HTTP/1.1 connections alive to two Micro instances. Mixed traffic from clients on
/// 127.0.0.2, over HTTP/1.1 and HTTP/2: every answer checked, the client's address and scheme seen by the app through
/// the forwarded headers (also when the client sends its own, spoofed), not one 502, and far fewer connections to the
/// instances than requests.
/// </summary>
[Collection(nameof(Http.AllocationTests))] // nginx, two servers and sixteen clients: alone
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NginxProxyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Workers = 16;
    private const int RequestsPerWorker = 90;
    private static readonly byte[] Big = [.. Enumerable.Range(0, 1024 * 1024).Select(i => (byte)(i * 31 + 7))];

    private sealed record Who(string Instance, string? Ip, string Scheme, string? Host);

    private static MicroApp Instance(string name)
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 2 });
        app.UseForwardedHeaders();
        app.Get("/whoami", (req, res) => res.Json(new Who(name, req.Ip, req.Scheme, req.Host)));
        app.Post("/echo", (req, res) => res.Send(req.Body.Span));
        app.Get("/big", (req, res) => res.Send(Big));
        app.Get("/query", (req, res) => res.Send(req.Query["q"].ToString()));
        app.Get("/stream/:n", async (req, res) =>
        {
            for (var i = 0; i < req.Params.GetInt("n"); i++)
            {
                await res.WriteAsync($"line {i}\n", req.Aborted);
            }
        });
        app.Listen(0);
        return app;
    }

    [Fact]
    public async Task Mixed_traffic_through_nginx_with_tls_reaches_two_instances_correctly_and_without_a_502()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var instances = new[] { Instance("a"), Instance("b") };
        try
        {
            using var nginx = await NginxProcess.StartAsync([.. instances.Select(app => app.EndPoints[0])], deadline.Token);
            var failures = new ConcurrentQueue<string>();
            var statuses = new ConcurrentDictionary<int, int>();
            var servedBy = new ConcurrentDictionary<string, int>();
            var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
            {
                using var client = ProxyFiles.Client(nginx, worker % 2 == 0 ? HttpVersion.Version20 : HttpVersion.Version11);
                for (var i = 0; i < RequestsPerWorker; i++)
                {
                    var n = worker * RequestsPerWorker + i;
                    try
                    {
                        var (status, failure) = await OneRequestAsync(client, n, nginx.Port, servedBy, deadline.Token);
                        statuses.AddOrUpdate(status, 1, (_, count) => count + 1);
                        if (failure is not null)
                        {
                            failures.Enqueue($"request {n}: {failure}");
                        }
                    }
                    catch (Exception exception)
                    {
                        failures.Enqueue($"request {n}: {exception.GetType().Name}: {exception.Message} {exception.InnerException?.Message}");
                    }
                }
            }));
            await Task.WhenAll(workers);

            var accepted = instances.Sum(app => app.Server!.AcceptedPerReactor.Sum());
            output.WriteLine($"statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))}; " +
                $"served by {string.Join(", ", servedBy.Select(s => $"{s.Key}: {s.Value}"))}; connections nginx opened to the instances: {accepted}");
            Assert.True(failures.IsEmpty, $"{failures.Count} failed:\n{string.Join("\n", failures.Take(20))}\n{nginx.ErrorLog}");
            Assert.False(statuses.ContainsKey(502) || statuses.ContainsKey(504), "nginx answered 502 or 504");
            Assert.Equal(Workers * RequestsPerWorker, statuses.Values.Sum());
            Assert.Equal(["a", "b"], servedBy.Keys.Order());
            Assert.True(accepted <= 64, $"{accepted} connections for {Workers * RequestsPerWorker} requests: upstream keep-alive is not working");
        }
        finally
        {
            foreach (var app in instances)
            {
                await app.StopAsync();
            }
        }
    }

    /// <summary>One request of the mix, chosen by <paramref name="n"/>; returns its status and what was wrong with the answer, if anything.</summary>
    private static async Task<(int Status, string? Failure)> OneRequestAsync(HttpClient client, int n, int port, ConcurrentDictionary<string, int> servedBy, CancellationToken cancellationToken)
    {
        switch (n % 7)
        {
            case 0:
                {
                    // Every other one from a client that lies about itself in every forwarded header (issue 20).
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
                    if (n % 2 == 0)
                    {
                        SpoofedClientTests.AddSpoofedHeaders(request);
                    }
                    using var response = await client.SendAsync(request, cancellationToken);
                    var who = await response.Content.ReadFromJsonAsync<Who>(cancellationToken);
                    servedBy.AddOrUpdate(who!.Instance, 1, (_, count) => count + 1);
                    var expected = new Who(who.Instance, "127.0.0.2", "https", $"127.0.0.1:{port}");
                    return ((int)response.StatusCode, who == expected ? null : $"the app saw {who}, not {expected}");
                }
            case 1:
                {
                    var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, n * 7919 % 40_000).Select(i => (char)('a' + (n + i) % 26))));
                    using var response = await client.PostAsync("/echo", new ByteArrayContent(body), cancellationToken);
                    var echoed = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    return ((int)response.StatusCode, echoed.AsSpan().SequenceEqual(body) ? null : $"echo of {body.Length} bytes came back as {echoed.Length}");
                }
            case 2:
                {
                    using var response = await client.GetAsync("/stream/300", cancellationToken);
                    var text = await response.Content.ReadAsStringAsync(cancellationToken);
                    var expected = string.Concat(Enumerable.Range(0, 300).Select(i => $"line {i}\n"));
                    return ((int)response.StatusCode, text == expected ? null : $"a streamed answer of {text.Length} characters, not {expected.Length}");
                }
            case 3:
                {
                    using var response = await client.GetAsync("/big", cancellationToken);
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    return ((int)response.StatusCode, bytes.AsSpan().SequenceEqual(Big) ? null : $"1 MiB answer came as {bytes.Length} different bytes");
                }
            case 4:
                {
                    using var request = new HttpRequestMessage(HttpMethod.Head, "/whoami");
                    using var response = await client.SendAsync(request, cancellationToken);
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    return ((int)response.StatusCode, bytes.Length == 0 && response.Content.Headers.ContentType?.MediaType == "application/json" ? null : "HEAD answered with a body or no type");
                }
            case 5:
                {
                    using var response = await client.GetAsync("/query?q=a%20b%26c%3D%C3%A9", cancellationToken);
                    var text = await response.Content.ReadAsStringAsync(cancellationToken);
                    return ((int)response.StatusCode, text == "a b&c=é" ? null : $"query came through as '{text}'");
                }
            default:
                {
                    using var response = await client.GetAsync($"/nothing/{n}", cancellationToken);
                    return ((int)response.StatusCode, response.StatusCode == HttpStatusCode.NotFound ? null : "a missing route was not 404");
                }
        }
    }
}
