using System.Text;

namespace Micro.Parser.Tests;

/// <summary>
/// The inputs of the differential tests: hand-written hostile requests, requests generated from a fixed seed, and
/// valid requests mutated byte by byte from a fixed seed. The same seed gives the same corpus on every run.
/// </summary>
internal static class RequestCorpus
{
    public const int Seed = 20261124;

    public static readonly string[] Hostile =
    [
        // Smuggling: conflicting or doubled framing.
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n  , gzip\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        // Line endings and whitespace.
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\r\nHost: a\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",
        "GET / HTTP/1.1\rHost: a\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
        "GET /\tHTTP/1.1\r\nHost: a\r\n\r\n",
        " GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: one\r\n two\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: one\r\n\ttwo\r\n\r\n",
        "GET / HTTP/1.1\r\nHost:a\r\nX:   spaced   \r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX:\t\r\n\r\n",
        // Control bytes.
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0007b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX\u0000: b\r\n\r\n",
        "GET /a\u0000 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a\u007f HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /\u00ff HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: caf\u00e9\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: b\r\n\r\n",
        // Request line.
        "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        "GET / HTTP/0.9\r\n\r\n",
        "GET / HTTP/1.10\r\nHost: a\r\n\r\n",
        "GET / HTTP/1\r\nHost: a\r\n\r\n",
        "GET / http/1.1\r\nHost: a\r\n\r\n",
        "GET /\r\n\r\n",
        "get / HTTP/1.1\r\nHost: a\r\n\r\n",
        "FOO / HTTP/1.1\r\nHost: a\r\n\r\n",
        "G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
        "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET //double HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a?b?c=d&e HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /%2e%2e/%2fetc HTTP/1.1\r\nHost: a\r\n\r\n",
        // Host.
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        // Connection and Expect.
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n",
        // Sizes.
        "GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('v', 40000) + "\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, 150).Select(i => $"X-{i}: v\r\n")) + "\r\n",
        "G",
        "GET / HTTP/1.1\r\nHost: a\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r",
        "",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE"];

    private static readonly string[] HeaderNames =
        ["Accept", "Accept-Encoding", "User-Agent", "Cookie", "X-Request-Id", "Cache-Control", "Referer", "Content-Type", "X-Forwarded-For", "If-None-Match"];

    private const string PathCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/";
    private const string ValueCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>Well-formed requests of random shape: methods, paths, queries, header sets, framing, versions.</summary>
    public static IEnumerable<string> Generated(int count)
    {
        var random = new Random(Seed);
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            var http10 = random.Next(8) == 0;
            text.Append(Methods[random.Next(Methods.Length)]).Append(' ').Append('/').Append(RandomText(random, PathCharacters, 0, 60));
            if (random.Next(2) == 0)
            {
                text.Append('?').Append(RandomText(random, PathCharacters + "?", 0, 40));
            }
            text.Append(http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
            if (!http10 || random.Next(2) == 0)
            {
                text.Append(random.Next(3) == 0 ? "host" : "Host").Append(": example.com:").Append(random.Next(1, 65536)).Append("\r\n");
            }
            var headerCount = random.Next(0, 14);
            for (var h = 0; h < headerCount; h++)
            {
                var name = random.Next(4) == 0 ? "X-" + RandomText(random, "abcdefghijklmnopqrstuvwxyz-", 1, 12) : HeaderNames[random.Next(HeaderNames.Length)];
                text.Append(name).Append(':').Append(random.Next(4) == 0 ? "" : " ").Append(RandomText(random, ValueCharacters, 0, 80).Trim()).Append("\r\n");
            }
            switch (random.Next(6))
            {
                case 0:
                    text.Append("Content-Length: ").Append(random.NextInt64(0, 1L << 40)).Append("\r\n");
                    break;
                case 1 when !http10:
                    text.Append("Transfer-Encoding: chunked\r\n");
                    break;
                case 2:
                    text.Append("Connection: ").Append(random.Next(2) == 0 ? "close" : "keep-alive").Append("\r\n");
                    break;
            }
            text.Append("\r\n");
            yield return text.ToString();
        }
    }

    /// <summary>Valid requests with one to three bytes replaced, inserted or deleted, favouring the bytes parsers trip on.</summary>
    public static IEnumerable<byte[]> Mutated(IReadOnlyList<string> seeds, int count)
    {
        byte[] interesting = [(byte)'\r', (byte)'\n', (byte)' ', (byte)'\t', (byte)':', 0, 0x7F, 0x80, 0xFF, (byte)',', (byte)'#', (byte)'?', (byte)'/', (byte)'0', (byte)'a'];
        var random = new Random(Seed + 1);
        for (var i = 0; i < count; i++)
        {
            var bytes = new List<byte>(Http.Bytes(seeds[random.Next(seeds.Count)]));
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits && bytes.Count > 0; e++)
            {
                var at = random.Next(bytes.Count);
                var value = random.Next(3) == 0 ? (byte)random.Next(256) : interesting[random.Next(interesting.Length)];
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = value;
                        break;
                    case 1:
                        bytes.Insert(at, value);
                        break;
                    default:
                        bytes.RemoveAt(at);
                        break;
                }
            }
            yield return [.. bytes];
        }
    }

    private static string RandomText(Random random, string alphabet, int min, int max)
    {
        var length = random.Next(min, max + 1);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }
        return new string(chars);
    }
}
