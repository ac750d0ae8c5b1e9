using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using TechEmpower.Data;

namespace TechEmpower.Tests;

/// <summary>
/// What the TechEmpower verifier checks, for every endpoint: status, the Server and Date headers, Content-Type
/// (exactly, as the verifier warns about an added charset for JSON), Content-Length, the body's shape and counts, and
/// for the database tests that the rows are the database's.
/// </summary>
public abstract class VerifierTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : AppFixture
{
    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task Plaintext()
    {
        var body = await GetAsync("/plaintext", "text/plain");
        Assert.Equal("Hello, World!", body);
    }

    [Fact]
    public async Task Plaintext_pipelined_16_deep_in_one_send()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Fixture.Url.Port));
        var request = "GET /plaintext HTTP/1.1\r\nHost: tfb-server\r\nAccept: text/plain,text/html;q=0.9\r\nConnection: keep-alive\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(request, 16))));
        var text = await ReadUntilAsync(socket, received => CountOf(received, "Hello, World!") == 16);
        Assert.Equal(16, CountOf(text, "HTTP/1.1 200 OK\r\n"));
    }

    [Fact]
    public async Task Json()
    {
        using var json = JsonDocument.Parse(await GetAsync("/json", "application/json"));
        var property = Assert.Single(json.RootElement.EnumerateObject());
        Assert.Equal("message", property.Name);
        Assert.Equal("Hello, World!", property.Value.GetString());
    }

    [Fact]
    public async Task Db_returns_one_row_as_it_is_in_the_database()
    {
        for (var i = 0; i < 20; i++)
        {
            using var json = JsonDocument.Parse(await GetAsync("/db", "application/json"));
            var world = AssertWorld(json.RootElement);
            Assert.Equal(world, await Fixture.Store.ReadWorldAsync(world.Id));
        }
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("?queries=", 1)]
    [InlineData("?queries=foo", 1)]
    [InlineData("?queries=0", 1)]
    [InlineData("?queries=-5", 1)]
    [InlineData("?queries=1", 1)]
    [InlineData("?queries=20", 20)]
    [InlineData("?queries=500", 500)]
    [InlineData("?queries=501", 500)]
    [InlineData("?queries=99999999999", 1)] // not an int: treated as missing, as the verifier expects of any non-number
    public async Task Queries_returns_the_clamped_count_of_database_rows(string query, int expected)
    {
        using var json = JsonDocument.Parse(await GetAsync("/queries" + query, "application/json"));
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(expected, json.RootElement.GetArrayLength());
        foreach (var element in json.RootElement.EnumerateArray().Take(25))
        {
            var world = AssertWorld(element);
            Assert.Equal(world, await Fixture.Store.ReadWorldAsync(world.Id));
        }
    }

    [Theory]
    [InlineData("?queries=foo", 1)]
    [InlineData("?queries=0", 1)]
    [InlineData("?queries=1", 1)]
    [InlineData("?queries=20", 20)]
    [InlineData("?queries=501", 500)]
    public async Task Updates_changes_and_persists_every_row_it_returns(string query, int expected)
    {
        using var json = JsonDocument.Parse(await GetAsync("/updates" + query, "application/json"));
        Assert.Equal(expected, json.RootElement.GetArrayLength());
        var worlds = new List<World>();
        foreach (var element in json.RootElement.EnumerateArray())
        {
            worlds.Add(AssertWorld(element));
        }
        Assert.Equal(expected, worlds.Select(w => w.Id).Distinct().Count());
        foreach (var world in worlds.Take(50))
        {
            Assert.Equal(world, await Fixture.Store.ReadWorldAsync(world.Id)); // what was returned is what is stored
        }
    }

    [Fact]
    public async Task Concurrent_updates_all_succeed()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Fixture.Client.GetAsync("/updates?queries=20")));
        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
    }

    [Fact]
    public async Task Fortunes_is_the_escaped_sorted_table_with_the_added_fortune()
    {
        var body = await GetAsync("/fortunes", "text/html; charset=utf-8");
        Assert.Equal(ExpectedFortunes, body);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("?count=foo", 1)]
    [InlineData("?count=0", 1)]
    [InlineData("?count=20", 20)]
    [InlineData("?count=501", 500)]
    public async Task Cached_queries_returns_the_clamped_count_of_cached_rows(string query, int expected)
    {
        using var json = JsonDocument.Parse(await GetAsync("/cached-queries" + query, "application/json"));
        Assert.Equal(expected, json.RootElement.GetArrayLength());
        foreach (var element in json.RootElement.EnumerateArray())
        {
            AssertWorld(element);
        }
    }

    [Fact]
    public async Task Pipelined_database_requests_are_answered_in_request_order()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Fixture.Url.Port));
        string[] paths = ["/db", "/plaintext", "/fortunes", "/json", "/queries?queries=3", "/plaintext", "/updates?queries=2", "/cached-queries?count=2"];
        var requests = string.Concat(Enumerable.Range(0, 4).SelectMany(_ => paths).Select(p => $"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n"));
        await socket.SendAsync(Encoding.ASCII.GetBytes(requests));
        var text = await ReadUntilAsync(socket, received => CountOf(received, "HTTP/1.1 200 OK\r\n") == 4 * paths.Length && received.EndsWith(']'));
        var bodies = text.Split("HTTP/1.1 200 OK\r\n", StringSplitOptions.RemoveEmptyEntries).Select(r => r[(r.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]).ToArray();
        Assert.Equal(4 * paths.Length, bodies.Length);
        for (var i = 0; i < bodies.Length; i++)
        {
            var expectedStart = paths[i % paths.Length] switch
            {
                "/plaintext" => "Hello, World!",
                "/json" => "{\"message\"",
                "/fortunes" => "<!DOCTYPE html>",
                "/db" => "{\"id\"",
                _ => "[{\"id\"",
            };
            Assert.StartsWith(expectedStart, bodies[i]);
        }
    }

    [Fact]
    public async Task An_unknown_path_is_404()
    {
        var response = await Fixture.Client.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<string> GetAsync(string path, string contentType)
    {
        using var response = await Fixture.Client.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["Micro"], response.Headers.GetValues("Server"));
        var date = Assert.Single(response.Headers.GetValues("Date"));
        Assert.True(DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), $"Date '{date}' is not an RFC 1123 date");
        Assert.Equal(contentType, string.Join(", ", response.Content.Headers.GetValues("Content-Type")));
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        return Encoding.UTF8.GetString(bytes);
    }

    private static World AssertWorld(JsonElement element)
    {
        Assert.Equal(["id", "randomNumber"], element.EnumerateObject().Select(p => p.Name));
        var world = new World(element.GetProperty("id").GetInt32(), element.GetProperty("randomNumber").GetInt32());
        Assert.InRange(world.Id, 1, 10_000);
        Assert.InRange(world.RandomNumber, 1, 10_000);
        return world;
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static async Task<string> ReadUntilAsync(Socket socket, Func<string, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<byte>();
        var buffer = new byte[65536];
        while (true)
        {
            var text = Encoding.UTF8.GetString([.. received]);
            if (done(text))
            {
                return text;
            }
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"the server closed the connection; received so far:\n{text}");
            }
            received.AddRange(buffer.AsSpan(0, read));
        }
    }

    private const string ExpectedFortunes =
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>" +
        "<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;</td></tr>" +
        "<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>" +
        "<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>" +
        "<tr><td>2</td><td>A computer scientist is someone who fixes things that aren&#39;t broken.</td></tr>" +
        "<tr><td>8</td><td>A list is only as strong as its weakest link. — Donald Knuth</td></tr>" +
        "<tr><td>0</td><td>Additional fortune added at request time.</td></tr>" +
        "<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>" +
        "<tr><td>7</td><td>Any program that runs never has bugs.</td></tr>" +
        "<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>" +
        "<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen</td></tr>" +
        "<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>" +
        "<tr><td>1</td><td>fortune: No such file or directory</td></tr>" +
        "<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>" +
        "</table></body></html>";
}

public sealed class SqliteVerifierTests(SqliteAppFixture fixture) : VerifierTests<SqliteAppFixture>(fixture);

public sealed class PostgresVerifierTests(PostgresAppFixture fixture) : VerifierTests<PostgresAppFixture>(fixture);
