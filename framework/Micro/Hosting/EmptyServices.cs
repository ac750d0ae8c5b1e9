namespace Micro.Hosting;

/// <summary>The services of an app not built by MicroApp.CreateBuilder: none.</summary>
internal sealed class EmptyServices : IServiceProvider
{
    public static readonly EmptyServices Instance = new();

    public object? GetService(Type serviceType) => null;
}
