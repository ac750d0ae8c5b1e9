using Micro.Parser.LLHttp;

namespace Micro.Parser.Tests;

/// <summary>Parses one input with both parsers and says, in words, where they disagree.</summary>
internal sealed class Comparison
{
    public required byte[] Input { get; init; }
    public required ParseStatus MicroStatus { get; init; }
    public required ParseError MicroError { get; init; }
    public required ParseStatus LLHttpStatus { get; init; }
    public required string? LLHttpError { get; init; }
    public required string? FieldDifference { get; init; }

    public bool Agrees => MicroStatus == LLHttpStatus && FieldDifference is null;

    public static Comparison Of(byte[] input, RequestHead head, LLHttpRequestParser llhttp, LLHttpResult result)
    {
        head.Reset();
        var micro = RequestParser.Parse(input, head, HttpParserLimits.Default);
        var reference = llhttp.Parse(input, result);
        return new Comparison
        {
            Input = input,
            MicroStatus = micro,
            MicroError = head.Error,
            LLHttpStatus = reference,
            LLHttpError = result.ErrorName,
            FieldDifference = micro == ParseStatus.Complete && reference == ParseStatus.Complete ? CompareFields(input, head, result) : null,
        };
    }

    private static string? CompareFields(byte[] input, RequestHead head, LLHttpResult result)
    {
        if (head.HeadLength != result.HeadLength)
        {
            return $"head length {head.HeadLength} vs {result.HeadLength}";
        }

        if (head.Method != result.Method)
        {
            return $"method {head.Method} vs {result.Method}";
        }

        if (head.MethodRange != result.MethodRange)
        {
            return $"method range {head.MethodRange} vs {result.MethodRange}";
        }

        if (head.Target != result.Target)
        {
            return $"target {head.Target} vs {result.Target}";
        }

        if (head.Version != result.Version)
        {
            return $"version {head.Version} vs {result.Version}";
        }

        if (head.HeaderCount != result.HeaderCount)
        {
            return $"header count {head.HeaderCount} vs {result.HeaderCount}";
        }

        for (var i = 0; i < head.HeaderCount; i++)
        {
            var mine = head.Headers[i];
            var theirs = result.Headers[i];
            if (mine.Name != theirs.Name)
            {
                return $"header {i} name {mine.Name} vs {theirs.Name}";
            }
            // llhttp leaves trailing whitespace in values; RFC 9110 section 5.5 says it is not part of the value.
            var theirValue = theirs.Value.Of(input).TrimEnd(" \t"u8);
            if (!mine.Value.Of(input).SequenceEqual(theirValue))
            {
                return $"header {i} value '{Http.Text(input, mine.Value)}' vs '{Http.Text(theirValue)}'";
            }
        }
        if (head.Framing != result.Framing)
        {
            return $"framing {head.Framing} vs {result.Framing}";
        }

        if (head.ContentLength != result.ContentLength)
        {
            return $"content length {head.ContentLength} vs {result.ContentLength}";
        }

        if (head.KeepAlive != result.KeepAlive)
        {
            return $"keep-alive {head.KeepAlive} vs {result.KeepAlive}";
        }

        return null;
    }

    public override string ToString() =>
        $"micro {MicroStatus}/{MicroError} llhttp {LLHttpStatus}/{LLHttpError} {FieldDifference} :: {Escape(Input)}";

    private static string Escape(byte[] input)
    {
        var text = Http.Text(input);
        if (text.Length > 160)
        {
            text = text[..160] + $"...({input.Length} bytes)";
        }
        var builder = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' or (> '~' and < '\u00a0') => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }
}
