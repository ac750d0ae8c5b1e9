using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Micro;
#if (auth)
using Micro.AspNetCore;
#endif
using Micro.Compression;
using Micro.Diagnostics;
#if (auth)
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
#endif
using Microsoft.Extensions.DependencyInjection;
using static Micro.Metadata.RouteMetadata;
#if (auth)
using Microsoft.IdentityModel.Tokens;
using static Micro.AspNetCore.Authorization;
#endif

namespace MicroApi;

/// <summary>The app: its services and routes, in one place so the tests run exactly what Program runs.</summary>
public static class Routes
{
    /// <summary>
    /// Builds the app: configuration (appsettings.json, environment, command line), logging, services, routes; it
    /// listens on <paramref name="defaultUrls"/> only when the configuration names no address.
    /// </summary>
    public static MicroApp Create(string[] args, string? defaultUrls = null)
    {
        var builder = MicroApp.CreateBuilder(args);
        if (defaultUrls is not null)
        {
            builder.DefaultUrls = defaultUrls;
        }
        builder.Services.AddSingleton<TodoStore>(); // a service: one store shared by every request
#if (auth)
        // JWT bearer tokens, checked by ASP.NET Core's own handler. The key, issuer and audience come from configuration:
        // Auth__SigningKey in the environment, --Auth:SigningKey on the command line, or appsettings.json.
        var auth = builder.Configuration.GetSection("Auth");
        var signingKey = auth["SigningKey"] is { Length: >= 32 } key ? key : throw new InvalidOperationException(
            "Auth:SigningKey is not set (or is shorter than 32 characters): set Auth__SigningKey to the key your tokens are signed with.");
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false; // claims keep the names the token gives them ("name", "role")
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth["Issuer"] ?? "MicroApi",
                ValidAudience = auth["Audience"] ?? "MicroApi",
                IssuerSigningKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(signingKey)),
                NameClaimType = "name",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorization();
#endif
        return Map(builder.Build());
    }

    public static MicroApp Map(MicroApp app)
    {
        app.UseRequestLogging();   // one log line per request
        app.UseCompression();      // gzip or Brotli when the client accepts it
        app.MapHealth("/healthz"); // 200 while serving, 503 once a graceful stop begins
#if (auth)
        app.UseAspNetCore(pipeline => pipeline.UseAuthentication()); // ASP.NET Core's JwtBearer: req.User from the token
#endif

        // Middleware: runs around every request.
        app.Use(async (req, res, next) =>
        {
            res.Header("X-Content-Type-Options", "nosniff");
            await next;
        });

        app.Get("/", (req, res) => res.Send("Hello from MicroApi!"));
#if (auth)

        // Only a caller with a valid token gets here (401 with a Bearer challenge otherwise); req.User is who it says.
        app.Get("/me", Authorize(), (req, res) => res.Json(new Me(req.User.Identity!.Name ?? "unnamed"), AppJson.Default.Me));
#endif

        app.Get("/todos/:id", (req, res) =>
        {
            var id = req.Params.GetInt("id"); // "/todos/abc" answers 400
            res.Json(req.Services.GetRequiredService<TodoStore>().Find(id), AppJson.Default.Todo);
        });

        // Accepts<Todo> reads the JSON body and checks Todo's attributes first: a bad one is answered 400 as
        // application/problem+json ({"errors":{"title":["The Title field is required."]}}) before this runs.
        app.Post("/todos", Accepts(AppJson.Default.Todo), (req, res) =>
        {
            var todo = req.Json(AppJson.Default.Todo)!;
            req.Services.GetRequiredService<TodoStore>().Save(todo);
            res.Created($"/todos/{todo.Id}", todo, AppJson.Default.Todo);
        });

        return app;
    }
}

public sealed record Todo(int Id, [property: Required, StringLength(200)] string Title, bool Done);
#if (auth)

public sealed record Me(string Name);
#endif

/// <summary>The todos posted so far; one that was never posted is made up from its id.</summary>
public sealed class TodoStore
{
    private readonly ConcurrentDictionary<int, Todo> _todos = new();

    public Todo Find(int id) => _todos.TryGetValue(id, out var todo) ? todo : new Todo(id, $"Todo number {id}", Done: id % 2 == 0);

    public void Save(Todo todo) => _todos[todo.Id] = todo;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Todo))]
#if (auth)
[JsonSerializable(typeof(Me))]
#endif
public sealed partial class AppJson : JsonSerializerContext;
