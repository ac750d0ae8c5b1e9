namespace Micro.Parser.Tests;

public sealed class HttpGrammarTests
{
    [Theory]
    [InlineData("GET", true)]
    [InlineData("X-Custom_Header.1~!#$%&'*+^`|", true)]
    [InlineData("", false)]
    [InlineData("Bad Name", false)]
    [InlineData("colon:", false)]
    [InlineData("caf\u00e9", false)]
    [InlineData("tab\t", false)]
    public void Tokens_follow_rfc9110_as_text_and_as_bytes(string text, bool isToken)
    {
        Assert.Equal(isToken, HttpGrammar.IsToken(text));
        Assert.Equal(isToken, HttpGrammar.IsToken(System.Text.Encoding.Latin1.GetBytes(text)));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1", "GET")]
    [InlineData("OPTIONS * HTTP/1.1", "OPTIONS")]
    [InlineData("CONNECT h:443 HTTP/1.1", "CONNECT")]
    [InlineData("PROPFIND / HTTP/1.1", "PROPFIND")]
    public void A_methods_name_is_its_standard_name_or_the_bytes_sent(string requestLine, string name)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: h:443\r\n\r\n");
        var head = new RequestHead();
        Assert.Equal(ParseStatus.Complete, RequestParser.Parse(bytes, head, HttpParserLimits.Default));
        Assert.Equal(name, head.MethodName(bytes));
        if (head.Method != RequestMethod.Extension)
        {
            Assert.Same(head.MethodName(bytes), head.MethodName(bytes)); // standard names are not made anew
        }
    }
}
