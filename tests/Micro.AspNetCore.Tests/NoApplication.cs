using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>An application that does nothing: for the host's pieces tested on their own (the pools, the outbox).</summary>
internal sealed class NoApplication : IHttpApplication<object>
{
    public object CreateContext(IFeatureCollection contextFeatures) => new();

    public Task ProcessRequestAsync(object context) => Task.CompletedTask;

    public void DisposeContext(object context, Exception? exception)
    {
    }
}
