using System.Collections.Concurrent;

namespace Micro.Tests.Transport;

/// <summary>Issue 20: a reactor never waits on another. An API that would block (here the context's Send) throws on a reactor thread instead.</summary>
public sealed class ReactorWaitTests
{
    [Fact]
    public async Task Sending_to_another_reactors_context_from_a_reactor_throws_instead_of_waiting()
    {
        var contexts = new ConcurrentDictionary<string, SynchronizationContext>();
        Exception? refused = null;
        await using var server = new TestServer(exchange =>
        {
            var name = Thread.CurrentThread.Name!;
            contexts.TryAdd(name, SynchronizationContext.Current!);
            if (exchange.TargetText == "/send" && contexts.FirstOrDefault(pair => pair.Key != name).Value is { } other)
            {
                try
                {
                    other.Send(_ => { }, null);
                }
                catch (InvalidOperationException exception)
                {
                    refused = exception;
                }
            }
            exchange.Respond(200, "text/plain"u8, System.Text.Encoding.ASCII.GetBytes(name));
            return default;
        });
        var clients = new List<RawClient>();
        while (contexts.Count < 2)
        {
            var client = await server.ConnectAsync();
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await client.ReadResponsesAsync(1);
            clients.Add(client);
        }
        await clients[0].SendAsync("GET /send HTTP/1.1\r\nHost: x\r\n\r\n");
        await clients[0].ReadResponsesAsync(1).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(refused);
        Assert.Contains("must not be called on a reactor thread", refused.Message);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }
}
