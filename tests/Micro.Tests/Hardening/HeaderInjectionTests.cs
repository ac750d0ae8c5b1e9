namespace Micro.Tests.Hardening;

/// <summary>Issue 9's audit: CR or LF in a value the application sets never reaches the wire; the handler gets an exception that names it.</summary>
public sealed class HeaderInjectionTests
{
    [Theory]
    [InlineData("header")]
    [InlineData("header name")]
    [InlineData("redirect")]
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
                    case "redirect": res.Redirect("/next" + evil); break;
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
            Assert.Matches("control character|not a valid", refused!.Message);
        });
    }
}
