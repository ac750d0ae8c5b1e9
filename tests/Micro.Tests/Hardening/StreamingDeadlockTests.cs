using System.Text;

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
}
