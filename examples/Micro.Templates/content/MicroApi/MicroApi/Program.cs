using Micro;
using MicroApi;

// Listens on 127.0.0.1:8080 unless --port N, --urls http://0.0.0.0:8080 or ASPNETCORE_URLS says otherwise.
const int DefaultPort = 8080;
var listen = args.Length == 0 && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null ? ["--port", $"{DefaultPort}"] : args;
var app = Routes.Create(listen);
app.Start();
Console.WriteLine($"MicroApi listening on http://{app.EndPoints[0]}");
await app.RunAsync(); // Ctrl+C or SIGTERM stops it gracefully
