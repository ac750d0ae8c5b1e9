// An app as a user publishes one as Native AOT (NativeAotTests). By default ASP.NET Core's webapiaot shape on Micro's
// engine: CreateSlimBuilder, UseMicro, minimal APIs with a source-generated JSON context. With "micro" first, the same
// API on Micro's own routes, behind an ASP.NET Core middleware (UseAspNetCore). Either prints "listening on <url>" once started and stops cleanly on SIGTERM.
//   NativeAotApp [micro] [--urls URL | --port N] [--Micro:ServerHeader NAME]
using System.Text.Json.Serialization;
using Micro;
using Micro.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (args.FirstOrDefault() == "micro")
{
    await ServeWithMicroAsync(args[1..]);
    return;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseMicro();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJson.Default));
var app = builder.Build();
app.MapGet("/", () => "Hello, World!");
app.MapGet("/todos/{id:int}", Results<Ok<Todo>, NotFound> (int id) =>
    id is > 0 and < 100 ? TypedResults.Ok(new Todo(id, $"Todo {id}", false)) : TypedResults.NotFound());
app.MapPost("/todos", (Todo todo) => TypedResults.Created($"/todos/{todo.Id}", todo with { Done = true }));
await app.StartAsync();
Console.WriteLine($"listening on {app.Urls.First()}");
await app.WaitForShutdownAsync();

static async Task ServeWithMicroAsync(string[] args)
{
    var app = MicroApp.CreateBuilder(args).Build();
    app.JsonOptions.TypeInfoResolverChain.Insert(0, AppJson.Default);
    // ASP.NET Core middleware in front of Micro's routes, and the request's HttpContext, natively too.
    app.UseAspNetCore(pipeline => pipeline.Use((context, next) =>
    {
        context.Response.Headers["X-Pipeline"] = "aspnetcore";
        return next(context);
    }));
    app.Get("/agent", (req, res) => res.Send(req.HttpContext.Request.Headers.UserAgent.ToString()));
    app.Get("/", (req, res) => res.Send("Hello, World!"));
    app.Get("/todos/:id", (req, res) => res.Json(new Todo(int.Parse(req.Params["id"]!), $"Todo {req.Params["id"]}", false)));
    app.Post("/todos", (req, res) => res.Status(201).Json(req.Json<Todo>()! with { Done = true }));
    app.Get("/unlisted", (req, res) => res.Json(new Unlisted("no metadata"))); // not in AppJson: refused, saying how to add it
    app.Start();
    Console.WriteLine($"listening on http://{app.EndPoints[0]}");
    await app.RunAsync();
}

internal sealed record Todo(int Id, string Title, bool Done);

internal sealed record Unlisted(string Note);

[JsonSerializable(typeof(Todo))]
internal sealed partial class AppJson : JsonSerializerContext;
