namespace Micro.Tests.Hardening;

/// <summary>Issue 9's audit of multipart/form-data: header count and size limits, boundary abuse, and what fuzzing found.</summary>
public sealed class MultipartAbuseTests
{
    private static string Part(string headers, string body = "v") => $"--XyZ\r\n{headers}\r\n\r\n{body}\r\n";

    public static TheoryData<string, string, int> Bodies() => new()
    {
        { "a filename* without a value (found by fuzzing)", Part("Content-Disposition: form-data; name=\"f\"; filename*") + "--XyZ--\r\n", 400 },
        { "a filename* in UTF-7 (found by fuzzing)", Part("Content-Disposition: form-data; name=\"f\"; filename*=utf-7''%2BAGE-") + "--XyZ--\r\n", 400 },
        { "17 header lines in a part", Part("Content-Disposition: form-data; name=\"a\"" + string.Concat(Enumerable.Range(0, 16).Select(i => $"\r\nX-{i}: 1"))) + "--XyZ--\r\n", 400 },
        { "a part's headers past 16 KiB", Part("Content-Disposition: form-data; name=\"a\"\r\nX-Big: " + new string('b', 17 * 1024)) + "--XyZ--\r\n", 400 },
        { "1,001 parts", string.Concat(Enumerable.Repeat(Part("Content-Disposition: form-data; name=\"a\""), 1001)) + "--XyZ--\r\n", 400 },
        { "no closing boundary", Part("Content-Disposition: form-data; name=\"a\""), 400 },
        { "a boundary that never comes", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + new string('x', 300_000), 400 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_hostile_multipart_body_gets_a_4xx_and_the_server_goes_on(string what, string body, int status)
    {
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            var parts = 0;
            await foreach (var part in req.Multipart())
            {
                await part.CopyToAsync(Stream.Null);
                parts++;
            }
            res.Send($"{parts} parts");
        });
        await TestApp.RunAsync(app, async (client, url) =>
        {
            var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=XyZ");
            using var response = await client.PostAsync("/upload", content);
            Assert.True((int)response.StatusCode == status, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await using var fresh = await TestApp.ConnectAsync(url);
            await fresh.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 9\r\n\r\n--XyZ--\r\n");
            Assert.Equal("0 parts", (await fresh.ReadResponsesAsync(1))[0].Body);
        });
    }

    [Theory]
    [InlineData("multipart/form-data")]
    [InlineData("multipart/form-data; boundary=")]
    [InlineData("multipart/form-data; boundary=\"\"")]
    [InlineData("multipart/form-data; boundary=12345678901234567890123456789012345678901234567890123456789012345678901")]
    public async Task A_missing_empty_or_overlong_boundary_is_a_400(string contentType)
    {
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            await foreach (var part in req.Multipart())
            {
                await part.CopyToAsync(Stream.Null);
            }
            res.Send("read");
        });
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var content = new ByteArrayContent("--a--\r\n"u8.ToArray());
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await client.PostAsync("/upload", content);
            Assert.Equal(400, (int)response.StatusCode);
        });
    }
}
