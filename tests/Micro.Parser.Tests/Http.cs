using System.Text;

namespace Micro.Parser.Tests;

/// <summary>Builds requests from text (Latin-1, so every byte value can be written) and parses them.</summary>
internal static class Http
{
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>A head parsed whole from <paramref name="buffer"/> (the test fails when it is not).</summary>
    public static RequestHead ParsedHead(byte[] buffer)
    {
        var head = new RequestHead();
        Xunit.Assert.Equal(ParseStatus.Complete, RequestParser.Parse(buffer, head, HttpParserLimits.Default));
        return head;
    }

    public static string Text(byte[] buffer, ByteRange range) => Text(range.Of(buffer));

    public static HeadSnapshot Parse(string request, HttpParserLimits? limits = null) => Parse(Bytes(request), limits);

    public static HeadSnapshot Parse(byte[] request, HttpParserLimits? limits = null)
    {
        var head = new RequestHead();
        var status = RequestParser.Parse(request, head, limits ?? HttpParserLimits.Default);
        return HeadSnapshot.Of(status, head, request);
    }

    public static ParseError ErrorOf(string request, HttpParserLimits? limits = null)
    {
        var result = Parse(request, limits);
        Assert.Equal(ParseStatus.Error, result.Status);
        return result.Error;
    }

    public static HeadSnapshot Complete(string request, HttpParserLimits? limits = null)
    {
        var result = Parse(request, limits);
        Assert.True(result.Status == ParseStatus.Complete, $"expected Complete, got {result.Status} {result.Error}");
        return result;
    }
}

/// <summary>Everything a parse produced, as plain values, so two parses compare with one Assert.Equal.</summary>
internal sealed record HeadSnapshot(
    ParseStatus Status,
    ParseError Error,
    RequestMethod Method,
    string MethodText,
    string Target,
    RequestTargetForm Form,
    string Path,
    string Query,
    bool HasQuery,
    ProtocolVersion Version,
    string Headers,
    string Host,
    BodyFraming Framing,
    long ContentLength,
    bool KeepAlive,
    bool ExpectContinue,
    bool Upgrade,
    int HeadLength)
{
    public static HeadSnapshot Of(ParseStatus status, RequestHead head, byte[] buffer)
    {
        if (status != ParseStatus.Complete)
        {
            return new HeadSnapshot(status, head.Error, default, "", "", default, "", "", false, default, "", "", default, 0, false, false, false, 0);
        }
        var headers = new System.Text.StringBuilder();
        foreach (var header in head.Headers)
        {
            headers.Append(Http.Text(buffer, header.Name)).Append(": ").Append(Http.Text(buffer, header.Value)).Append('\n');
        }
        return new HeadSnapshot(status, head.Error, head.Method, Http.Text(buffer, head.MethodRange), Http.Text(buffer, head.Target),
            head.TargetForm, Http.Text(buffer, head.Path), Http.Text(buffer, head.Query), head.HasQuery, head.Version,
            headers.ToString(), Http.Text(buffer, head.Host), head.Framing, head.ContentLength, head.KeepAlive,
            head.ExpectContinue, head.ConnectionUpgrade, head.HeadLength);
    }
}
