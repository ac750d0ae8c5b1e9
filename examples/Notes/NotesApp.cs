using System.Text;
using Micro;
using Micro.AspNetCore;
using Micro.Compression;
using Micro.Cors;
using Micro.Diagnostics;
using Micro.OpenApi;
using Micro.ServerSentEvents;
using Micro.WebSockets;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using static Micro.AspNetCore.Authorization;
using static Micro.Metadata.RouteMetadata;

namespace Notes;

/// <summary>The service: configuration, services and routes, in one place so the tests run exactly what Program runs.</summary>
public static class NotesApp
{
    public static MicroApp Create(string[] args, string? defaultUrls = null)
    {
        var builder = MicroApp.CreateBuilder(args);
        if (defaultUrls is not null)
        {
            builder.DefaultUrls = defaultUrls;
        }
        var settings = builder.Configuration.GetSection("Notes");
        builder.Services.AddSingleton(new NoteStore(settings["Database"] ?? "Data Source=notes.db"));
        builder.Services.AddSingleton<ChangeFeed>();

        // Bearer tokens, checked by ASP.NET Core's JwtBearer; the key from configuration (Auth__SigningKey), never from code.
        var auth = builder.Configuration.GetSection("Auth");
        var key = auth["SigningKey"] is { Length: >= 32 } signingKey ? signingKey
            : throw new InvalidOperationException("Auth:SigningKey is not set (or is shorter than 32 characters): set Auth__SigningKey.");
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth["Issuer"] ?? "notes",
                ValidAudience = auth["Audience"] ?? "notes",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
                NameClaimType = "name",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy("admin", policy => policy.RequireRole("admin"));
        return Map(builder.Build(), settings);
    }

    private static MicroApp Map(MicroApp app, IConfigurationSection settings)
    {
        var store = app.Services.GetRequiredService<NoteStore>();
        var feed = app.Services.GetRequiredService<ChangeFeed>();
        feed.PublishTo(app);
        var uploads = Directory.CreateDirectory(settings["Uploads"] ?? "uploads").FullName;
        var maxAttachment = settings.GetValue<long?>("MaxAttachmentBytes") ?? 5 * 1024 * 1024;

        app.UseProblemDetails();      // every error as application/problem+json
        app.UseRequestLogging();
        app.UseCompression();
        if (settings.GetSection("AllowedOrigins").Get<string[]>() is { Length: > 0 } origins)
        {
            app.UseCors(cors => cors.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod()); // browsers on these origins may call it
        }
        app.MapHealth("/healthz");
        app.MapOpenApi("/openapi.json", options => options.Title = "Notes");
        app.UseAspNetCore(pipeline => pipeline.UseAuthentication()); // req.User from the bearer token, on every route

        app.Get("/notes", [Query<string>("q", description: "Notes whose title contains it."), Produces<List<Note>>(), Tags("notes")], async (req, res) =>
            res.Json(await store.ListAsync(req.Query["q"].FirstOrDefault())));

        app.Get("/notes/:id", [Produces<Note>(), ProducesProblem(404), Tags("notes")], async (req, res) =>
            res.Json(await store.FindAsync(req.Params.GetLong("id")) ?? throw new HttpError(404, "No such note.")));

        app.Post("/notes", [Authorize(), Accepts<NoteInput>(), Produces<Note>(201), Tags("notes")], async (req, res) =>
        {
            var note = await store.AddAsync(req.Json<NoteInput>()!, req.User.Identity!.Name ?? "unnamed");
            await feed.PublishAsync(new NoteChange("created", note.Id, note.Title));
            res.Created($"/notes/{note.Id}", note);
        });

        app.Put("/notes/:id", [Authorize(), Accepts<NoteInput>(), Produces<Note>(), ProducesProblem(404), Tags("notes")], async (req, res) =>
        {
            var note = await store.UpdateAsync(req.Params.GetLong("id"), req.Json<NoteInput>()!) ?? throw new HttpError(404, "No such note.");
            await feed.PublishAsync(new NoteChange("updated", note.Id, note.Title));
            res.Json(note);
        });

        app.Delete("/notes/:id", [Authorize("admin"), Produces(204), ProducesProblem(404), Tags("notes")], async (req, res) =>
        {
            var id = req.Params.GetLong("id");
            if (!await store.DeleteAsync(id))
            {
                throw new HttpError(404, "No such note.");
            }
            await feed.PublishAsync(new NoteChange("deleted", id, null));
            res.Status(204).End();
        });

        // An attachment: multipart, streamed to disk as it arrives, bounded per route and per file.
        app.Post("/notes/:id/attachment", [Authorize(), MaxBodySize(maxAttachment + 64 * 1024), Produces(204), Tags("attachments")], async (req, res) =>
        {
            var id = req.Params.GetLong("id");
            _ = await store.FindAsync(id) ?? throw new HttpError(404, "No such note.");
            await foreach (var part in req.Multipart(maxParts: 1))
            {
                var name = $"{id}{Path.GetExtension(Path.GetFileName(part.FileName ?? "")).ToLowerInvariant()}";
                var path = Path.Combine(uploads, name);
                File.Delete(path); // replacing the note's last attachment
                await part.SaveAsAsync(path, maxAttachment, req.Aborted);
                await store.AttachAsync(id, name);
            }
            res.Status(204).End();
        });

        app.Get("/notes/:id/attachment", [Tags("attachments")], async (req, res) =>
        {
            var note = await store.FindAsync(req.Params.GetLong("id"));
            if (note?.Attachment is not { } attachment)
            {
                throw new HttpError(404, "This note has no attachment.");
            }
            res.Download(Path.Combine(uploads, attachment), $"note-{note.Id}{Path.GetExtension(attachment)}");
        });

        // The change feed: server-sent events, or a WebSocket on the "notes" topic.
        app.Get("/changes", [Summary("What changes, as server-sent events"), Tags("changes")], async (req, res) =>
        {
            var events = res.EventStream();
            events.StartHeartbeats(TimeSpan.FromSeconds(15));
            await foreach (var change in feed.ListenAsync(events.Closing))
            {
                await events.SendEventAsync(System.Text.Json.JsonSerializer.Serialize(change, app.JsonOptions), eventType: change.Kind, cancellationToken: events.Closing);
            }
        });
        app.WebSocket("/changes/ws", async (socket, req) =>
        {
            socket.Subscribe(ChangeFeed.Topic);
            await socket.SendAsync("{\"kind\":\"listening\"}"); // the client knows every change from now on reaches it
            await foreach (var message in socket)
            {
                // the feed only speaks; a client's messages are read (and dropped) so its close is seen
            }
        });
        return app;
    }
}
