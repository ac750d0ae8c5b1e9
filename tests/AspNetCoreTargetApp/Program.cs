// An ASP.NET Core app on Micro, as a user writes one: GET /reactor names the thread that answered. It prints
// "listening on <address>" once started, where the host says it listens. Run: dotnet AspNetCoreTargetApp.dll [--urls URL]

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseMicro();
var app = builder.Build();
app.MapGet("/reactor", () => Thread.CurrentThread.Name ?? "pool");
app.MapGet("/", () => "Hello from ASP.NET Core on Micro");
await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
Console.WriteLine($"listening on {string.Join(", ", addresses)}");
await app.WaitForShutdownAsync();
