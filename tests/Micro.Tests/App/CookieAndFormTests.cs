using Microsoft.AspNetCore.Http;

namespace Micro.Tests.App;

public sealed class CookieAndFormTests
{
    [Fact]
    public async Task Cookies_are_parsed_on_demand_and_set_with_their_attributes()
    {
        var app = new MicroApp();
        app.Get("/read", (req, res) => res.Send(string.Join(",", req.Cookies.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"))));
        app.Get("/set", (req, res) =>
        {
            res.Cookie("session", "a b;c", new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, MaxAge = TimeSpan.FromHours(1) });
            res.Cookie("theme", "dark");
            res.ClearCookie("old");
            res.Send("ok");
        });
        app.Get("/bad", (req, res) => res.Cookie("bad name", "x").Send("unreachable"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var read = new HttpRequestMessage(HttpMethod.Get, "/read");
            read.Headers.Add("Cookie", "theme=dark; session=\"quoted\"; name=Jos%C3%A9;theme=light; spaced = out ");
            Assert.Equal("name=José,session=quoted,spaced=out,theme=dark", await (await client.SendAsync(read)).Content.ReadAsStringAsync());
            Assert.Equal("", await client.GetStringAsync("/read"));

            var set = await client.GetAsync("/set");
            var cookies = set.Headers.GetValues("Set-Cookie").ToArray();
            Assert.Equal(3, cookies.Length);
            Assert.StartsWith("session=a%20b%3Bc; max-age=3600; path=/; secure; samesite=strict; httponly", cookies[0]);
            Assert.Equal("theme=dark; path=/", cookies[1]);
            Assert.StartsWith("old=; expires=Thu, 01 Jan 1970 00:00:00 GMT", cookies[2]);

            Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/bad")).StatusCode);
        }, useCookies: false);
    }

    [Fact]
    public async Task Url_encoded_forms_are_decoded_with_repeated_fields_and_other_types_get_415()
    {
        var app = new MicroApp();
        app.Post("/form", (req, res) =>
        {
            var form = req.Form();
            res.Send($"{form["name"]}|{string.Join("+", form["tag"].ToArray())}");
        });
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            var form = new FormUrlEncodedContent([new("name", "José & Ana"), new("tag", "a"), new("tag", "b=c")]);
            Assert.Equal("José & Ana|a+b=c", await (await client.PostAsync("/form", form)).Content.ReadAsStringAsync());
            var json = await client.PostAsync("/form", new StringContent("{}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }, useCookies: false);
    }
}
