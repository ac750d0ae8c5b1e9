namespace Micro.Tests.Hardening;

/// <summary>Issue 9's audit: CR or LF in a value the application sets never reaches the wire; the handler gets an exception that names it.</summary>
public sealed class HeaderInjectionTests
{
    [Theory]
    [InlineData("header")]
    [InlineData("header name")]
    [InlineData("beyond latin-1")]
    [InlineData("cookie")]
    [InlineData("cookie name")]
    [InlineData("content type")]
    public async Task CR_or_LF_in_a_response_header_is_refused_with_an_exception(string where)
    {
        var app = new MicroApp();
        Exception? refused = null;
        const string evil = "x\r\nSet-Cookie: injected=1\r\n\r\n<script>";
        app.Get("/", (req, res) =>
        {
            try
            {
                switch (where)
                {
                    case "header": res.Header("X-Name", evil); break;
                    case "header name": res.Header("X-Name\r\nInjected", "1"); break;
                    case "beyond latin-1": res.Header("X-Price", "9 \u20ac"); break; // Latin-1's encoder would have sent '?'
                    case "cookie": res.Cookie("session", "abc").Header("X-After", evil); break;
                    case "cookie name": res.Cookie("a\r\nInjected: 1", "v"); break;
                    case "content type": res.Header("Content-Type", "text/html" + evil); break;
                }
            }
            catch (ArgumentException exception)
            {
                refused = exception;
            }
            res.Status(200).Send("safe");
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            var text = await client.ReadToEndAsync();
            Assert.DoesNotContain("injected", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<script>", text);
            Assert.EndsWith("safe", text);
            Assert.NotNull(refused);
            Assert.Matches("control character|not a valid|cannot carry", refused!.Message);
        });
    }

    [Fact]
    public async Task A_redirect_percent_encodes_what_a_url_cannot_hold_as_express_does()
    {
        var app = new MicroApp();
        app.Get("/", (req, res) => res.Redirect("/caf\u00e9 menu?q=a b&x=%41&y=%zz&e=\u20ac\ud83d\ude00\r\nSet-Cookie: injected=1"));
        app.Get("/plain", (req, res) => res.Location("/already/fine?a=%2F&b=[1]").Send("ok"));
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
            var responses = await client.ReadResponsesAsync(2);
            Assert.Equal(302, responses[0].Status);
            // UTF-8 escapes for what is not URL text, %XX kept, a lone '%' escaped itself; CR LF escaped, so no header is injected.
            Assert.Equal("/caf%C3%A9%20menu?q=a%20b&x=%41&y=%25zz&e=%E2%82%AC%F0%9F%98%80%0D%0ASet-Cookie:%20injected=1", responses[0].Headers["Location"]);
            Assert.DoesNotContain(responses[0].Headers.Keys, name => name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase));
            Assert.Equal("/already/fine?a=%2F&b=[1]", responses[1].Headers["Location"]);
        });
    }
}
