using System.Buffers;
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
    public void Lines_a_host_composed_are_added_whole_each_classified_by_its_name()
    {
        var headers = new ResponseHeaders();
        headers.Append("X-First"u8, "1"u8);
        headers.AppendLines("content-type: text/plain\r\nX-Many: a\r\nX-Many: b\r\nVary: Origin\r\n"u8);
        Assert.Equal("X-First: 1\r\ncontent-type: text/plain\r\nX-Many: a\r\nX-Many: b\r\nVary: Origin\r\n", Written(headers));
        Assert.True(headers.TryGet(KnownResponseHeader.ContentType, out var type));
        Assert.Equal("text/plain", Encoding.ASCII.GetString(type));
        Assert.True(headers.TryGet(KnownResponseHeader.Vary, out var vary));
        Assert.Equal("Origin", Encoding.ASCII.GetString(vary));
        Assert.Equal(2, headers.Remove("x-many"u8));
        Assert.Equal("X-First: 1\r\ncontent-type: text/plain\r\nVary: Origin\r\n", Written(headers));
    }

    [Theory]
    [InlineData("X-No-Colon\r\n")]
    [InlineData(": empty name\r\n")]
    [InlineData("X-Unended: value")]
    public void Lines_that_are_not_name_colon_value_crlf_are_refused(string lines)
    {
        var headers = new ResponseHeaders();
        Assert.Throws<ArgumentException>(() => headers.AppendLines(Encoding.ASCII.GetBytes(lines)));
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

    [Theory]
    [InlineData("Content-Type", nameof(KnownResponseHeader.ContentType))]
    [InlineData("content-TYPE", nameof(KnownResponseHeader.ContentType))]
    [InlineData("Content-Encoding", nameof(KnownResponseHeader.ContentEncoding))]
    [InlineData("CONTENT-ENCODING", nameof(KnownResponseHeader.ContentEncoding))]
    [InlineData("Content-Range", nameof(KnownResponseHeader.ContentRange))]
    [InlineData("content-rangE", nameof(KnownResponseHeader.ContentRange))]
    [InlineData("Vary", nameof(KnownResponseHeader.Vary))]
    [InlineData("vARY", nameof(KnownResponseHeader.Vary))]
    [InlineData("Content\rType", nameof(KnownResponseHeader.Other))] // a CR where the dash is: folding alone would take it for one
    [InlineData("Content_Type", nameof(KnownResponseHeader.Other))]
    [InlineData("Content-Typf", nameof(KnownResponseHeader.Other))]
    [InlineData("Content-Types", nameof(KnownResponseHeader.Other))]
    [InlineData("Content-Rangf", nameof(KnownResponseHeader.Other))]
    [InlineData("Content-Encodinf", nameof(KnownResponseHeader.Other))]
    [InlineData("Xary", nameof(KnownResponseHeader.Other))]
    [InlineData("Date", nameof(KnownResponseHeader.Other))]
    [InlineData("", nameof(KnownResponseHeader.Other))]
    public void Known_headers_are_told_by_name_in_any_case_and_only_by_their_name(string name, string expected) =>
        Assert.Equal(expected, ResponseHeaders.Classify(Encoding.Latin1.GetBytes(name)).ToString());

    [Fact]
    public void A_known_header_is_found_by_its_kind_through_append_set_remove_and_clear()
    {
        var headers = new ResponseHeaders();
        Assert.False(headers.TryGet(KnownResponseHeader.ContentType, out _));
        headers.Append("X-Id"u8, "1"u8);
        headers.Append("content-type"u8, "text/html"u8);
        headers.AppendLine(KnownResponseHeader.ContentType, "Content-Type: text/plain\r\n"u8);
        Assert.True(headers.TryGet(KnownResponseHeader.ContentType, out var first));
        Assert.Equal("text/html", Encoding.ASCII.GetString(first)); // the first line of the name, as a search would find
        Assert.True(headers.TryGet("CONTENT-TYPE"u8, out var byName));
        Assert.Equal("text/html", Encoding.ASCII.GetString(byName));

        headers.Set("Content-Type"u8, "application/json"u8);
        Assert.True(headers.TryGet(KnownResponseHeader.ContentType, out var replaced));
        Assert.Equal("application/json", Encoding.ASCII.GetString(replaced));
        Assert.Equal("X-Id: 1\r\nContent-Type: application/json\r\n", Written(headers));

        Assert.Equal(1, headers.Remove("content-type"u8));
        Assert.False(headers.TryGet(KnownResponseHeader.ContentType, out _));
        Assert.Equal(0, headers.Remove("Content-Type"u8));
        Assert.False(headers.TryGet(KnownResponseHeader.ContentEncoding, out _));

        headers.AppendLine(KnownResponseHeader.Vary, "Vary: Origin\r\n"u8);
        headers.Append("Vary"u8, "Accept-Encoding"u8);
        Assert.True(headers.TryGet(KnownResponseHeader.Vary, out var vary));
        Assert.Equal("Origin", Encoding.ASCII.GetString(vary));
        Assert.Equal("X-Id: 1\r\nVary: Origin\r\nVary: Accept-Encoding\r\n", Written(headers));

        headers.Clear();
        Assert.False(headers.TryGet(KnownResponseHeader.Vary, out _));
        headers.Append("A"u8, "1"u8);
        Assert.False(headers.TryGet(KnownResponseHeader.Vary, out _)); // no index survives the clear to point at another line
        headers.AppendLine(KnownResponseHeader.Vary, "Vary: Cookie\r\n"u8);
        Assert.True(headers.TryGet("vary"u8, out var again));
        Assert.Equal("Cookie", Encoding.ASCII.GetString(again));
    }

    [Fact]
    public void A_framework_line_is_a_line_of_its_header_read_back_removed_and_written_like_any()
    {
        var headers = new ResponseHeaders();
        headers.Append("Content-Type"u8, "text/plain"u8);
        headers.AppendLine(KnownResponseHeader.Vary, "Vary: Accept-Encoding\r\n"u8);
        headers.AppendLine(KnownResponseHeader.Vary, "Vary: Origin\r\n"u8);
        Assert.True(headers.TryGet(KnownResponseHeader.Vary, out var vary));
        Assert.Equal("Accept-Encoding", Encoding.ASCII.GetString(vary));
        Assert.Equal([("Content-Type", "text/plain"), ("Vary", "Accept-Encoding"), ("Vary", "Origin")], headers.ToList());
        Assert.Equal("Content-Type: text/plain\r\nVary: Accept-Encoding\r\nVary: Origin\r\n", Written(headers)); // end to end, at once

        var copied = new byte[headers.Length];
        Assert.Equal(headers.Length, headers.CopyTo(copied));
        Assert.Equal("Content-Type: text/plain\r\nVary: Accept-Encoding\r\nVary: Origin\r\n", Encoding.ASCII.GetString(copied));

        Assert.Equal(2, headers.Remove("vary"u8)); // a gap: the live lines are written one by one
        headers.AppendLine(KnownResponseHeader.Vary, "Vary: Cookie\r\n"u8);
        Assert.Equal("Content-Type: text/plain\r\nVary: Cookie\r\n", Written(headers));
        copied = new byte[headers.Length];
        Assert.Equal(headers.Length, headers.CopyTo(copied));
        Assert.Equal("Content-Type: text/plain\r\nVary: Cookie\r\n", Encoding.ASCII.GetString(copied));
    }

    [Fact]
    public void A_value_holds_a_control_character_for_every_control_but_tab_and_for_DEL_wherever_it_lies()
    {
        for (var b = 0; b < 256; b++)
        {
            var refused = (b < 0x20 && b != '\t') || b == 0x7F;
            foreach (var at in new[] { 0, 1, 15, 16, 31, 32, 63, 99 }) // each lane of the vector search, and its tail
            {
                var value = Enumerable.Repeat((byte)'a', 100).ToArray();
                value[at] = (byte)b;
                Assert.Equal(refused, ResponseHeaders.HoldsControlCharacter(value));
            }
        }
        Assert.False(ResponseHeaders.HoldsControlCharacter(""u8));
        Assert.False(ResponseHeaders.HoldsControlCharacter("text/plain; charset=utf-8\tmore"u8));
    }
}
