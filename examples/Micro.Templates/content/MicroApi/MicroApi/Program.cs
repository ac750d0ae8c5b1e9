using Micro;
using MicroApi;

// Listens on 127.0.0.1:8080; --port N, --urls http://0.0.0.0:8080 or ASPNETCORE_URLS change it.
var app = Routes.Map(new MicroApp(args.Length > 0 ? args : ["--port", "8080"]));
app.Start();
Console.WriteLine($"MicroApi listening on http://{app.EndPoints[0]}");
await app.RunAsync(); // Ctrl+C or SIGTERM stops it gracefully
