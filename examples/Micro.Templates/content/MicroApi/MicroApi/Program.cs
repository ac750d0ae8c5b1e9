using Micro;
using Micro.Diagnostics;
using MicroApi;

// Listens on 127.0.0.1:8080 unless --port N, --urls http://0.0.0.0:8080, ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS
// (which .NET's container images set: every address on that port) says otherwise.
const int DefaultPort = 8080;
var listen = args.Length == 0 && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null && Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS") is null
    ? ["--port", $"{DefaultPort}"]
    : args;
if (args.Contains("--health-check"))
{
    return await Health.ProbeAsync(listen); // the Dockerfile's HEALTHCHECK: 0 when the running app answers /healthz with 200
}
var app = Routes.Create(listen);
app.Start();
Console.WriteLine($"MicroApi listening on http://{app.EndPoints[0]}");
await app.RunAsync(); // Ctrl+C or SIGTERM stops it gracefully
return 0;
