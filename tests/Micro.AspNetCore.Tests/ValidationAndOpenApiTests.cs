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

    /// <summary>
    /// Micro's own routes check a body with <c>Accepts&lt;T&gt;()</c>; for the same types (positional records, whose rules
    /// are on their constructor's parameters; nested ones; a record's own rule) it says what .NET 10's validation says,
    /// in the JSON's camelCase names.
    /// </summary>
    [Theory]
    [InlineData("""{"title":"a","priority":9,"place":{"floor":100},"code":"xyz","notes":"hello"}""")]
    [InlineData("""{"priority":1,"place":{"street":"Main","floor":1}}""")]
    [InlineData("""{"title":"far too long a title","priority":0,"code":""}""")]
    [InlineData("""{"title":"Fine","priority":2,"place":{"street":"Main","floor":3},"notes":"shut"}""")]
    public async Task Micros_own_validation_says_what_dotnet_validation_says_of_the_same_body(string body)
    {
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, app => app.MapPost("/tasks", CreateTask), Configure);
        await using var micro = InMicroApps.ServedMicroApp.Start(_ => { }, app =>
            app.Post("/tasks", Micro.Metadata.RouteMetadata.Accepts<NewTask>(), (req, res) => res.Status(201).Json(req.Json<NewTask>())));
        var expected = await ErrorsAsync(kestrel.Client, body, camelCase: true);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await ErrorsAsync(micro.Client, body, camelCase: false));
    }

    private static IResult CreateTask(NewTask task) => Results.Created("/tasks/1", task);

    private static IResult CreateBag(TaskBag bag) => Results.Ok();

    /// <summary>An object's own rule waits for its fields and for everything beneath it, as .NET 10 orders them.</summary>
    [Theory]
    [InlineData("""{"places":[{"street":"a","floor":0}],"step":{"level":2}}""")]
    [InlineData("""{"places":[{"street":"a","floor":1},{"street":"b","floor":2}],"step":{"level":2}}""")]
    [InlineData("""{"places":[{"street":"a","floor":1},{"street":"b","floor":2}],"step":{"level":1}}""")]
    public async Task Micros_own_validation_runs_an_objects_own_rule_when_dotnet_validation_does(string body)
    {
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, app => app.MapPost("/tasks", CreateBag), Configure);
        await using var micro = InMicroApps.ServedMicroApp.Start(_ => { }, app =>
            app.Post("/tasks", Micro.Metadata.RouteMetadata.Accepts<TaskBag>(), (req, res) => res.Status(201).End()));
        var expected = await ErrorsAsync(kestrel.Client, body, camelCase: true);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await ErrorsAsync(micro.Client, body, camelCase: false));
    }

    private static IResult CreateTasks(List<NewTask> tasks) => Results.Ok(tasks.Count);

    /// <summary>A list as the whole body: each item checked, keyed by its place (.NET 10 puts the parameter's name before it).</summary>
    [Fact]
    public async Task Micros_own_validation_checks_each_item_of_a_list_body_as_dotnet_validation_does()
    {
        const string body = """[{"title":"a","priority":1},{"title":"fine","priority":2},{"title":"also fine","priority":9,"place":{}}]""";
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, app => app.MapPost("/tasks", CreateTasks), Configure);
        await using var micro = InMicroApps.ServedMicroApp.Start(_ => { }, app =>
            app.Post("/tasks", Micro.Metadata.RouteMetadata.Accepts<List<NewTask>>(), (req, res) => res.Status(201).End()));
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, messages) in await ErrorsAsync(kestrel.Client, body, camelCase: true))
        {
            expected[key.StartsWith("tasks", StringComparison.Ordinal) ? key["tasks".Length..] : key] = messages;
        }
        Assert.Equal(["[0].title", "[2].place.floor", "[2].place.street", "[2].priority"], expected.Keys);
        Assert.Equal(expected, await ErrorsAsync(micro.Client, body, camelCase: false));
    }

    private static async Task<SortedDictionary<string, string>> ErrorsAsync(HttpClient client, string body, bool camelCase)
    {
        var response = await client.PostAsync("/tasks", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in problem.RootElement.GetProperty("errors").EnumerateObject())
        {
            var key = camelCase ? string.Join('.', field.Name.Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName)) : field.Name;
            errors[key] = string.Join(" | ", field.Value.EnumerateArray().Select(message => message.GetString()));
        }
        return errors;
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

/// <summary>A task as minimal API users write one: a positional record, its rules on its parameters.</summary>
public sealed record NewTask([Required, StringLength(10, MinimumLength = 3)] string? Title, [Range(1, 5)] int Priority, TaskPlace? Place,
    [property: MaxLength(2)] string? Code, [Display(Name = "The notes")][MaxLength(4)] string? Notes) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Notes == "shut")
        {
            yield return new ValidationResult("Tasks are closed.", [nameof(Notes)]);
        }
    }
}

/// <summary>Nested in a task.</summary>
public sealed record TaskPlace([Required] string? Street, [Range(1, 99)] int Floor);

/// <summary>Places to go, with a rule of its own that waits for everything beneath it.</summary>
public sealed class TaskBag : IValidatableObject
{
    [MinLength(2)]
    public List<TaskPlace> Places { get; set; } = [];

    public TaskStep? Step { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        yield return new ValidationResult("The bag is full.");
    }
}

/// <summary>Nested in a bag, with a rule of its own.</summary>
public sealed class TaskStep : IValidatableObject
{
    [Range(1, 3)]
    public int Level { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Level == 2)
        {
            yield return new ValidationResult("Level 2 is closed.", [nameof(Level)]);
        }
    }
}
