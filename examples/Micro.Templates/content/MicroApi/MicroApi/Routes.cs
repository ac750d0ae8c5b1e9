using System.Text.Json.Serialization;
using Micro;

namespace MicroApi;

/// <summary>The app's routes, in one place so the tests run exactly what Program runs.</summary>
public static class Routes
{
    public static MicroApp Map(MicroApp app)
    {
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
            res.Json(new Todo(id, $"Todo number {id}", Done: id % 2 == 0), AppJson.Default.Todo);
        });

        app.Post("/todos", async (req, res) =>
        {
            var todo = await req.JsonAsync(AppJson.Default.Todo) ?? throw new HttpError(400, "Send a todo as JSON.");
            res.Status(201).Json(todo, AppJson.Default.Todo);
        });

        return app;
    }
}

public sealed record Todo(int Id, string Title, bool Done);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Todo))]
public sealed partial class AppJson : JsonSerializerContext;
