namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 1: a streaming response queued behind another resumes when it reaches the head, whatever the sizes.</summary>
public sealed class StreamingDeadlockTests
{
    private static string Lines(int n)
    {
        var text = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            text.Append("chunk ").Append(i).Append('\n');
        }
        return text.ToString();
    }

    [Theory]
    [InlineData(2, 3000)]
    [InlineData(3, 5000)]
    [InlineData(8, 700)]
    [InlineData(2, 20000)]
    public async Task Pipelined_streaming_responses_all_complete(int count, int lines)
    {
        await using var issue = new IssueApp();
        var url = issue.Start();
        await using var client = await TestApp.ConnectAsync(url);
        await client.SendAsync(string.Concat(Enumerable.Repeat($"GET /stream/{lines} HTTP/1.1\r\nHost: x\r\n\r\n", count)));
        var responses = await client.ReadResponsesAsync(count);
        var expected = Lines(lines);
        Assert.All(responses, response => Assert.Equal(expected, response.Body));
        await ServerHealth.AssertEveryReactorAnswersAsync(issue.Server);
    }

    [Theory]
    [InlineData(20, 8000)]
    [InlineData(100, 1000)]
    [InlineData(3, 100_000)]
    public async Task Buffered_responses_held_back_past_the_limit_behind_a_slow_one_are_all_sent_when_it_finishes(int count, int size)
    {
        // Found by the soak: completed responses behind a slow one pass MaxResponseBufferSize, reading pauses, and
        // once the slow one finishes they all go out in one flush; reading must resume then, with nobody streaming.
        await using var issue = new IssueApp();
        var url = issue.Start();
        await using var client = await TestApp.ConnectAsync(url);
        var body = new string('e', size);
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + string.Concat(Enumerable.Repeat($"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n{body}", count)));
        await issue.SlowStarted.WhenAtLeast(1, TimeSpan.FromSeconds(30));
        issue.OpenGate();
        var responses = await client.ReadResponsesAsync(count + 1);
        Assert.Equal("slow done", responses[0].Body);
        Assert.All(responses.Skip(1), response => Assert.Equal(body, response.Body));
    }

    [Fact]
    public async Task Reading_that_pauses_and_resumes_within_one_receive_still_parses_what_was_left()
    {
        // In one read: the head writes 62 KB directly and waits; the echoes behind it pass the held limit, reading
        // pauses, then the same receive's flush sends the 62 KB and reading resumes at once. The requests left in
        // that read must be parsed without the client sending anything more (they were stranded: a stall, then 408).
        await using var issue = new IssueApp();
        var url = issue.Start(reactors: 1);
        await using var holder = await TestApp.ConnectAsync(url);
        await holder.SendAsync("GET /hold-reactor HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.True(issue.WaitUntilReactorHeld());
        await using var client = await TestApp.ConnectAsync(url); // accepted once the reactor is free again
        var body = new string('e', 5000);
        await client.SendAsync("GET /write-then-wait/62000 HTTP/1.1\r\nHost: x\r\n\r\n" + string.Concat(Enumerable.Repeat($"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{body}", 10)));
        issue.ReleaseReactor();
        Assert.Equal("released", (await holder.ReadResponsesAsync(1))[0].Body);
        await issue.SlowStarted.WhenAtLeast(1, TimeSpan.FromSeconds(30));
        issue.OpenGate();
        var responses = await client.ReadResponsesAsync(11);
        Assert.Equal(62000, responses[0].Body.Length);
        Assert.All(responses.Skip(1), response => Assert.Equal(body, response.Body));
    }
}
