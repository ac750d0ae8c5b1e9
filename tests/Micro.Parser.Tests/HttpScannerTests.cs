namespace Micro.Parser.Tests;

public sealed class HttpScannerTests
{
    [Fact]
    public void The_field_value_scan_finds_a_stop_byte_at_every_offset_of_every_length()
    {
        byte[] stops = [0x00, 0x01, 0x08, (byte)'\n', (byte)'\r', 0x1F, 0x7F];
        for (var length = 1; length <= 80; length++)
        {
            foreach (var stop in stops)
            {
                for (var at = 0; at < length; at++)
                {
                    var bytes = Enumerable.Repeat((byte)'v', length).ToArray();
                    bytes[at] = stop;
                    Assert.Equal(at, HttpScanner.IndexOfFieldValueStop(bytes));
                }
            }
            Assert.Equal(-1, HttpScanner.IndexOfFieldValueStop(Enumerable.Repeat((byte)'v', length).ToArray()));
        }
    }

    [Fact]
    public void Tab_space_visible_ascii_and_obs_text_are_not_stops()
    {
        var allowed = Enumerable.Range(0x20, 0x5F).Concat(Enumerable.Range(0x80, 0x80)).Append('\t').Select(b => (byte)b).ToArray();
        Assert.Equal(-1, HttpScanner.IndexOfFieldValueStop(allowed));
        Assert.Equal(-1, HttpScanner.IndexOfFieldValueStop(allowed.Reverse().ToArray()));
    }

    [Fact]
    public void Token_scan_accepts_exactly_tchar()
    {
        const string tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (var b = 0; b < 256; b++)
        {
            Assert.Equal(tchar.Contains((char)b), HttpScanner.IsTokenByte((byte)b));
        }
    }

    [Theory]
    [InlineData("Host", true)]
    [InlineData("HOST", true)]
    [InlineData("hOsT", true)]
    [InlineData("Hosu", false)]
    [InlineData("Content-Length", true)]
    [InlineData("CONTENT-LENGTH", true)]
    [InlineData("Content_Length", false)]
    [InlineData("Content-Lengti", false)]
    [InlineData("Transfer-Encoding", true)]
    [InlineData("transfer-encodinG", true)]
    [InlineData("Transfer-Encodinh", false)]
    [InlineData("Connection", true)]
    [InlineData("Connectio~", false)]
    [InlineData("Expect", true)]
    [InlineData("Accept", false)]
    public void Known_headers_are_recognised_in_any_case_and_nothing_else_is(string name, bool known)
    {
        Assert.Equal(known, KnownHeaders.Classify(Http.Bytes(name)) != KnownHeader.Other);
    }
}
