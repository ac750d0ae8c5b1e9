using Micro.Diagnostics;
using MicroApi;

// Listens where --urls, --port, "urls" in appsettings.json, ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS (which .NET's
// container images set: every address on that port) says; when none does, on 127.0.0.1:8080.
const int DefaultPort = 8080;
var app = Routes.Create(args, defaultUrls: $"http://127.0.0.1:{DefaultPort}");
if (args.Contains("--health-check"))
{
    return await Health.ProbeAsync(app.ServerOptions.EndPoints[0]); // the Dockerfile's HEALTHCHECK: 0 when the running app answers /healthz with 200
}
app.Start();
Console.WriteLine($"MicroApi listening on http://{app.EndPoints[0]}");
await app.RunAsync(); // Ctrl+C or SIGTERM stops it gracefully
return 0;
