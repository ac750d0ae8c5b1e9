namespace Micro.AspNetCore.Tests.InMicroApps;

/// <summary>A Micro app built by MicroApp.CreateBuilder, served on a port of 127.0.0.1 the system picks, with an HttpClient for it.</summary>
internal sealed class ServedMicroApp : IAsyncDisposable
{
    private ServedMicroApp(MicroApp app, CapturingLoggerProvider logs)
    {
        App = app;
        Logs = logs;
        Url = new Uri($"http://127.0.0.1:{app.EndPoints[0].Port}");
        Client = new HttpClient { BaseAddress = Url };
    }

    public MicroApp App { get; }

    public Uri Url { get; }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    public static ServedMicroApp Start(Action<IServiceCollection> services, Action<MicroApp> routes)
    {
        var builder = MicroApp.CreateBuilder([]);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        services(builder.Services);
        var app = builder.Build();
        routes(app);
        app.Listen(0);
        return new ServedMicroApp(app, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync(); // stopped, its services and configuration's file watch released
    }
}
