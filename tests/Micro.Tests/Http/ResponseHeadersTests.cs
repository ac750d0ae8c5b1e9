using System.Buffers;
using System.Text;
using Micro.Http;
using Micro.Transport;

namespace Micro.Tests.Http;

public sealed class ResponseHeadersTests
{
    private static string Written(ResponseHeaders headers)
    {
        var output = new OutputBuffer(new BlockPool(4096, 4));
        headers.WriteTo(output);
        var bytes = new ArrayBufferWriter<byte>();
        output.DrainTo(bytes);
        Assert.Equal(bytes.WrittenCount, headers.Length);
        return Encoding.ASCII.GetString(bytes.WrittenSpan);
    }

    [Fact]
    public void Set_replaces_every_line_of_the_name_in_any_case_and_append_keeps_them()
    {
        var headers = new ResponseHeaders();
        headers.Append("Vary"u8, "Origin"u8);
        headers.Append("X-Id"u8, "1"u8);
        headers.Append("vary"u8, "Accept"u8);
        headers.Set("VARY"u8, "Accept-Encoding"u8);
        Assert.Equal("X-Id: 1\r\nVARY: Accept-Encoding\r\n", Written(headers));
    }

    [Fact]
    public void Remove_says_how_many_and_read_back_finds_the_first_live_value()
    {
        var headers = new ResponseHeaders();
        headers.Append("A"u8, "1"u8);
        headers.Append("a"u8, "2"u8);
        Assert.True(headers.TryGet("A"u8, out var first));
        Assert.Equal("1", Encoding.ASCII.GetString(first));
        Assert.Equal(2, headers.Remove("A"u8));
        Assert.Equal(0, headers.Remove("A"u8));
        Assert.False(headers.TryGet("a"u8, out _));
        Assert.True(headers.IsEmpty);
        Assert.Equal("", Written(headers));
    }

    [Fact]
    public void Many_and_long_lines_grow_the_store_and_clear_starts_over()
    {
        var headers = new ResponseHeaders();
        for (var i = 0; i < 100; i++)
        {
            headers.Append(Encoding.ASCII.GetBytes($"X-{i}"), Encoding.ASCII.GetBytes(new string('v', 100)));
        }
        Assert.Equal(100, headers.ToList().Count());
        Assert.Equal(("X-99", new string('v', 100)), headers.ToList().Last());
        headers.Clear();
        Assert.True(headers.IsEmpty);
        headers.Append("B"u8, "2"u8);
        Assert.Equal("B: 2\r\n", Written(headers));
    }
}
