namespace Micro.AspNetCore.Tests;

/// <summary>
/// A connection's requests, one after another, are served by the same HttpContext, as Kestrel serves them: on Micro,
/// the request's run goes back to its pool when the request ends and is taken again by the next. Inline only: on
/// the thread pool the run's application side lets go on another thread, so which run the next request gets is a
/// race (any run is correct there; reuse is what this test shows).
/// </summary>
public sealed class ContextReuseTests
{
    [Theory]
    [InlineData(nameof(ServerKind.Kestrel))]
    [InlineData(nameof(ServerKind.MicroInline))]
    public async Task Sequential_requests_on_one_connection_reuse_one_context(string serverName)
    {
        var contexts = new List<HttpContext>();
        await using var app = await ServedApp.StartAsync(Enum.Parse<ServerKind>(serverName), web => web.MapGet("/", (HttpContext context) =>
        {
            lock (contexts)
            {
                contexts.Add(context);
            }
            return "ok";
        }));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("ok", await app.Client.GetStringAsync("/")); // HttpClient keeps its one connection alive
        }
        Assert.Equal(4, contexts.Count);
        Assert.All(contexts, context => Assert.Same(contexts[0], context));
    }
}
