namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9's audit of static files: dotfiles, traversal in every encoding, backslashes, absolute paths, NUL,
/// symbolic links in and out of the root, and Range abuse. Raw requests, so no client normalizes the path first.
/// </summary>
public sealed class StaticFileAbuseTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("micro-static-").FullName;
    private readonly string _root;

    public StaticFileAbuseTests()
    {
        _root = Path.Combine(_parent, "public");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(Path.Combine(_parent, "private"));
        File.WriteAllText(Path.Combine(_root, "ok.txt"), "public file");
        File.WriteAllText(Path.Combine(_root, "sub", "deep.txt"), "deep file");
        File.WriteAllText(Path.Combine(_root, ".env"), "SECRET=1");
        File.WriteAllText(Path.Combine(_root, ".git", "config"), "[core]");
        File.WriteAllText(Path.Combine(_parent, "private", "secret.txt"), "secret");
        File.CreateSymbolicLink(Path.Combine(_root, "inside-link.txt"), Path.Combine(_root, "ok.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "relative-inside.txt"), "sub/deep.txt");
        File.CreateSymbolicLink(Path.Combine(_root, "outside-link.txt"), Path.Combine(_parent, "private", "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "relative-outside.txt"), "../private/secret.txt");
        Directory.CreateSymbolicLink(Path.Combine(_root, "private-dir"), Path.Combine(_parent, "private"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), "..");                // a loop back inside
        File.CreateSymbolicLink(Path.Combine(_root, "sub", "tricky.txt"), "up/../private/secret.txt"); // '..' after a link
    }

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Theory]
    [InlineData("/static/ok.txt", 200, "public file")]
    [InlineData("/static/sub/deep.txt", 200, "deep file")]
    [InlineData("/static/inside-link.txt", 200, "public file")]
    [InlineData("/static/relative-inside.txt", 200, "deep file")]
    [InlineData("/static/sub/up/ok.txt", 200, "public file")]
    [InlineData("/static/.env", 404, null)]
    [InlineData("/static/%2eenv", 404, null)]
    [InlineData("/static/.git/config", 404, null)]
    [InlineData("/static/sub/../.env", 404, null)]
    [InlineData("/static/../private/secret.txt", 404, null)]
    [InlineData("/static/%2e%2e/private/secret.txt", 404, null)]
    [InlineData("/static/%2E%2E%2Fprivate%2Fsecret.txt", 404, null)]
    [InlineData("/static/..%2fprivate%2fsecret.txt", 404, null)]
    [InlineData("/static/%252e%252e/private/secret.txt", 404, null)]
    [InlineData("/static//etc/hostname", 404, null)]
    [InlineData("/static/%2fetc%2fhostname", 404, null)]
    [InlineData("/static/..%5cprivate%5csecret.txt", 400, null)]
    [InlineData("/static/sub%5c..%5c..%5cprivate%5csecret.txt", 400, null)]
    [InlineData("/static/ok.txt%00.png", 400, null)]
    [InlineData("/static/outside-link.txt", 404, null)]
    [InlineData("/static/relative-outside.txt", 404, null)]
    [InlineData("/static/private-dir/secret.txt", 404, null)]
    [InlineData("/static/sub/tricky.txt", 404, null)]
    [InlineData("/static/sub/up/sub/up/outside-link.txt", 404, null)]
    public async Task Only_files_inside_the_root_and_not_hidden_are_served(string path, int status, string? body)
    {
        var app = new MicroApp();
        app.Static("/static", _root);
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
            var response = (await client.ReadResponsesAsync(1))[0];
            Assert.Equal(status, response.Status);
            if (body is not null)
            {
                Assert.Equal(body, response.Body);
            }
            Assert.DoesNotContain("secret", response.Body);
            Assert.DoesNotContain("SECRET", response.Body);
        });
    }

    [Theory]
    [InlineData("bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10", 200, "public file")]   // many ranges: the whole file once
    [InlineData("bytes=0-99999999999999999999999999", 200, "public file")]                   // overflowing: ignored
    [InlineData("bytes=99999999999999999999999999-", 200, "public file")]
    [InlineData("bytes=-99999999999999999999999999", 200, "public file")]
    [InlineData("bytes=9223372036854775807-", 416, "")]
    [InlineData("bytes=7-3", 200, "public file")]                                            // backwards: ignored
    [InlineData("bytes=-0", 416, "")]
    [InlineData("bytes=7-", 206, "file")]
    [InlineData("bytes=-4", 206, "file")]
    [InlineData("bytes=0-9223372036854775807", 206, "public file")]
    [InlineData("items=0-1", 200, "public file")]
    public async Task Range_abuse_gets_the_whole_file_a_416_or_a_correct_part(string range, int status, string body)
    {
        var app = new MicroApp();
        app.Static("/static", _root);
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync($"GET /static/ok.txt HTTP/1.1\r\nHost: x\r\nRange: {range}\r\n\r\nGET /static/ok.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            var responses = await client.ReadResponsesAsync(2);
            Assert.Equal(status, responses[0].Status);
            Assert.Equal(body, responses[0].Body);
            Assert.Equal("public file", responses[1].Body); // the connection goes on, correctly framed
        });
    }
}
