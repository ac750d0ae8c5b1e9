namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 10: req.Form() stops at ASP.NET Core's form limits instead of parsing megabytes of pairs on the reactor.</summary>
public sealed class FormLimitTests
{
    private static MicroApp FormApp()
    {
        var app = new MicroApp();
        app.ServerOptions.MaxRequestBodySize = 64 * 1024 * 1024;
        app.Post("/form", (req, res) => res.Send($"{req.Form().Count} names, {req.Form().Sum(pair => pair.Value.Count)} values"));
        return app;
    }

    [Theory]
    [InlineData(1024, 200, "1 names, 1024 values")]
    [InlineData(1025, 413, "more than 1024 values")]
    [InlineData(3_000_000, 413, "more than 1024 values")]
    public async Task A_form_is_limited_to_1024_values(int values, int status, string expected)
    {
        await TestApp.RunAsync(FormApp(), async (client, _) =>
        {
            var body = new StringBuilder(values * 3);
            for (var i = 0; i < values; i++)
            {
                body.Append(i == 0 ? "a=" : "&a=");
            }
            using var response = await client.PostAsync("/form", new StringContent(body.ToString(), Encoding.ASCII, "application/x-www-form-urlencoded"));
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        });
    }

    [Theory]
    [InlineData("name", 2049, "longer than 2048")]
    [InlineData("value", 4 * 1024 * 1024 + 1, "longer than 4194304")]
    public async Task Long_form_names_and_values_are_refused(string what, int length, string expected)
    {
        var app = FormApp();
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var body = what == "name" ? new string('n', length) + "=v" : "n=" + new string('v', length);
            using var response = await client.PostAsync("/form", new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded"));
            Assert.Equal(413, (int)response.StatusCode);
            Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        });
    }
}
