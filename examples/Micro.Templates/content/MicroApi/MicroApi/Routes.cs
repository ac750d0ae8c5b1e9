using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Micro;
using Micro.Compression;
using Micro.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace MicroApi;

/// <summary>The app: its services and routes, in one place so the tests run exactly what Program runs.</summary>
public static class Routes
{
    /// <summary>Builds the app: configuration (appsettings.json, environment, command line), logging, services, routes.</summary>
    public static MicroApp Create(string[] args)
    {
        var builder = MicroApp.CreateBuilder(args);
        builder.Services.AddSingleton<TodoStore>(); // a service: one store shared by every request
        return Map(builder.Build());
    }

    public static MicroApp Map(MicroApp app)
    {
        app.UseRequestLogging();   // one log line per request
        app.UseCompression();      // gzip or Brotli when the client accepts it
        app.MapHealth("/healthz"); // 200 while serving, 503 once a graceful stop begins

        // Middleware: runs around every request.
        app.Use(async (req, res, next) =>
        {
            res.Header("X-Content-Type-Options", "nosniff");
            await next;
        });

        app.Get("/", (req, res) => res.Send("Hello from MicroApi!"));

        app.Get("/todos/:id", (req, res) =>
        {
            var id = req.Params.GetInt("id"); // "/todos/abc" answers 400
            res.Json(req.Services.GetRequiredService<TodoStore>().Find(id), AppJson.Default.Todo);
        });

        app.Post("/todos", async (req, res) =>
        {
            var todo = await req.JsonAsync(AppJson.Default.Todo) ?? throw new HttpError(400, "Send a todo as JSON.");
            req.Services.GetRequiredService<TodoStore>().Save(todo);
            res.Status(201).Json(todo, AppJson.Default.Todo);
        });

        return app;
    }
}

public sealed record Todo(int Id, string Title, bool Done);

/// <summary>The todos posted so far; one that was never posted is made up from its id.</summary>
public sealed class TodoStore
{
    private readonly ConcurrentDictionary<int, Todo> _todos = new();

    public Todo Find(int id) => _todos.TryGetValue(id, out var todo) ? todo : new Todo(id, $"Todo number {id}", Done: id % 2 == 0);

    public void Save(Todo todo) => _todos[todo.Id] = todo;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Todo))]
public sealed partial class AppJson : JsonSerializerContext;
