namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9's audit, end to end: every classic request-smuggling and length-overflow payload is refused with its 4xx
/// and a closed connection, and the request hidden behind it is never answered.
/// </summary>
public sealed class SmugglingTests
{
    public static TheoryData<string, string> Payloads() => new()
    {
        { "CL.TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG" },
        { "TE.CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n" },
        { "TE unknown", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n" },
        { "TE space before colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" },
        { "TE chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" },
        { "TE twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" },
        { "TE obs-fold", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" },
        { "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" },
        { "CL twice, different", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd" },
        { "CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd" },
        { "CL with plus", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc" },
        { "CL negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" },
        { "CL past 2^63", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n" },
        { "CL past 2^64", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551617\r\n\r\n" },
        { "chunk size 2^64-1", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab\r\n0\r\n\r\n" },
        { "chunk size 2^63", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\nab\r\n" },
        { "chunk size 17 digits", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\na\r\n0\r\n\r\n" },
        { "chunk size bare LF", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n" },
        { "chunk size 0x", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n" },
        { "chunk data too long", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n" },
        { "bare CR in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n" },
        { "bare LF line ends", "GET / HTTP/1.1\nHost: x\n\n" },
        { "space in a name", "GET / HTTP/1.1\r\nHost: x\r\nX Y: a\r\n\r\n" },
        { "no Host", "GET / HTTP/1.1\r\n\r\n" },
        { "two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" },
        { "NUL in the target", "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task A_smuggling_payload_is_refused_and_nothing_behind_it_is_answered(string name, string payload)
    {
        await using var server = new TestServer(static exchange =>
        {
            exchange.Respond(200, "text/plain"u8, Encoding.ASCII.GetBytes($"answered {Encoding.ASCII.GetString(exchange.Head.Target.Of(exchange.RequestBytes))} with {exchange.Body.Length} body bytes"));
            return default;
        });
        var text = await server.SendAndReadToEndAsync(payload + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _);
        var response = Assert.Single(responses);
        Assert.True(response.Status is >= 400 and < 600, $"{name}: {response.Status}");
        Assert.Equal("close", response.Headers["Connection"]);
        Assert.DoesNotContain("smuggled", text);
        Assert.DoesNotContain("SMUGGLED", text);
    }
}
