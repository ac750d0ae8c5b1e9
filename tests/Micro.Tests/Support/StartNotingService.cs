using Microsoft.Extensions.Hosting;

namespace Micro.Tests;

/// <summary>A hosted service that notes whether it was started: a test checks that nothing started before a failed start.</summary>
internal sealed class StartNotingService : IHostedService
{
    public bool Started { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Started = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
