// A notes service on Micro: CRUD with validation and problem+json, SQLite, bearer auth per route, attachments, a change
// feed over WebSocket and server-sent events, OpenAPI, compression, CORS, request logs, health, graceful stop.
// Run: Auth__SigningKey='a key of 32 characters or more....' dotnet run --project examples/Notes   (README.md)
using Notes;

var app = NotesApp.Create(args, defaultUrls: "http://127.0.0.1:8080");
app.Start();
Console.WriteLine($"Notes listening on http://{app.EndPoints[0]}");
await app.RunAsync(); // SIGTERM or Ctrl+C: change feeds end, requests in flight finish, then it stops
