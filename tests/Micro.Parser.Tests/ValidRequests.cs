namespace Micro.Parser.Tests;

/// <summary>Valid requests of many shapes, shared by the split tests and the differential tests.</summary>
internal static class ValidRequests
{
    public const string TechEmpowerPlaintext = Micro.Samples.SampleRequests.TechEmpowerPlaintext;

    public const string Browser = Micro.Samples.SampleRequests.Browser;

    public static readonly string[] All =
    [
        TechEmpowerPlaintext,
        Browser,
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "\r\nGET /after-empty-line HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /json HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n",
        "PUT /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
        "DELETE /users/1?force=true HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "GET http://example.com/abs?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "HEAD /x HTTP/1.0\r\nConnection: keep-alive\r\nX-Empty:\r\nX-Tabs:\t\tv\t\r\n\r\n",
        "PATCH /p HTTP/1.1\r\nhost: a\r\nX-Obs-Text: caf\u00e9\r\ncontent-length: 3\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    ];
}
