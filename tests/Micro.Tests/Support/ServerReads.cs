using System.Globalization;
using Micro.Transport;

namespace Micro.Tests;

/// <summary>
/// Waits until the server has taken in everything some clients sent: the kernel's receive queue of each of the
/// server's sockets is empty (/proc/net/tcp, read as <c>ss</c> reads it), then every reactor has finished the turn in
/// which it read them. For tests that send part of something and must measure the server holding it: there is no
/// answer to wait for.
/// </summary>
internal static class ServerReads
{
    public static async Task WaitUntilReadAsync(MicroServer server, IEnumerable<IPEndPoint> clients, CancellationToken cancellationToken)
    {
        var ports = clients.Select(client => client.Port).ToHashSet();
        var serverPort = server.EndPoints[0].Port;
        while (!AllRead(serverPort, ports))
        {
            await Task.Delay(5, cancellationToken); // the kernel gives no notice of a queue emptying: look again
        }
        await Task.WhenAll(server.Reactors.Select(TurnAsync)).WaitAsync(cancellationToken);
    }

    /// <summary>Completes once <paramref name="reactor"/> has run a full turn after this call: whatever it read before has been handled.</summary>
    public static Task TurnAsync(Reactor reactor)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(static state =>
        {
            var (onReactor, turned) = ((Reactor, TaskCompletionSource))state!;
            onReactor.PostLocal(static s => ((TaskCompletionSource)s!).TrySetResult(), turned); // runs after the next epoll_wait's events
        }, (reactor, done));
        return done.Task;
    }

    private static bool AllRead(int serverPort, HashSet<int> clientPorts)
    {
        var found = 0;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = int.Parse(fields[1].AsSpan(fields[1].IndexOf(':') + 1), NumberStyles.HexNumber);
            var remote = int.Parse(fields[2].AsSpan(fields[2].IndexOf(':') + 1), NumberStyles.HexNumber);
            if (local != serverPort || !clientPorts.Contains(remote))
            {
                continue;
            }
            found++;
            var queues = fields[4];
            if (int.Parse(queues.AsSpan(queues.IndexOf(':') + 1), NumberStyles.HexNumber) != 0)
            {
                return false;
            }
        }
        return found >= clientPorts.Count;
    }
}
