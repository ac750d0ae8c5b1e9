using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text.Json;

namespace Micro.AspNetCore.Tests;

/// <summary>.NET 10's minimal API validation and Microsoft.AspNetCore.OpenApi's document, on every server.</summary>
public sealed class ValidationAndOpenApiTests
{
    private static void Map(WebApplication app)
    {
        app.MapOpenApi();
        app.MapPost("/notes", (Note note) => Results.Created($"/notes/{note.Title}", note));
        app.MapGet("/notes/{id:int}", (int id) => new Note { Title = $"note {id}", Body = "text" });
    }

    private static void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddValidation();
        builder.Services.AddOpenApi();
    }

    [Theory]
    [OnEveryServer]
    public async Task An_invalid_body_is_a_400_problem_with_the_fields_named(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map, Configure);
        var invalid = await app.Client.PostAsJsonAsync("/notes", new { title = "", body = new string('x', 300) });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("Title", out _) || errors.TryGetProperty("title", out _));
        Assert.True(errors.TryGetProperty("Body", out _) || errors.TryGetProperty("body", out _));

        var valid = await app.Client.PostAsJsonAsync("/notes", new { title = "groceries", body = "milk" });
        Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
        Assert.Equal("/notes/groceries", valid.Headers.Location!.ToString());
    }

    [Theory]
    [OnEveryServer]
    public async Task The_openapi_document_describes_the_endpoints(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map, Configure);
        using var document = JsonDocument.Parse(await app.Client.GetStringAsync("/openapi/v1.json"));
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/notes", out var notes) && notes.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/notes/{id}", out var note) && note.TryGetProperty("get", out _));
    }
}

/// <summary>A note, validated by its attributes.</summary>
public sealed class Note
{
    [Required]
    [MinLength(1)]
    public string Title { get; set; } = "";

    [MaxLength(200)]
    public string Body { get; set; } = "";
}
