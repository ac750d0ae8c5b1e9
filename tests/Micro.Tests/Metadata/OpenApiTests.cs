using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Micro.OpenApi;
using static Micro.Metadata.RouteMetadata;

namespace Micro.Tests.Metadata;

/// <summary>
/// Issue 22, part 3: an OpenAPI 3.1 document made from a Micro app's route table, with Microsoft.OpenApi, served at
/// the path the app chose, and checked by an independent validator (the official OpenAPI 3.1 JSON Schema, in Node.js:
/// tests/Tools/openapi-validate).
/// </summary>
public sealed class OpenApiTests
{
    public sealed record Note(int Id, string Title, bool Done);

    /// <summary>A type that contains itself: its schema points into itself.</summary>
    public sealed record Folder(string Name, List<Folder> Children, Folder? Parent);

    public sealed class NewNote
    {
        [Required, StringLength(80, MinimumLength = 3)]
        public string? Title { get; set; }

        [Range(1, 5)]
        public int Priority { get; set; }

        [EmailAddress]
        public string? OwnerEmail { get; set; }
    }

    private static MicroApp NotesApp()
    {
        var app = new MicroApp();
        app.Get("/notes", [Query<int>("page", description: "From 1."), Produces<List<Note>>(), Tags("notes")], (req, res) =>
            res.Json(new { done = req.Query.GetBool("done"), page = req.Query.GetInt("page", 1) }));
        app.Get("/notes/:id", [Produces<Note>(), Produces(404), Tags("notes"), Name("getNote")], (req, res) => res.Json(new Note(req.Params.GetInt("id"), "x", false)));
        app.Post("/notes", [Accepts<NewNote>(), Produces<Note>(201), Summary("Creates a note", "Titles are 3 to 80 characters."), Tags("notes")], (req, res) =>
            res.Status(201).Json(new Note(1, req.Json<NewNote>()!.Title!, false)));
        app.Delete("/notes/:id", Produces(204), async (req, res) =>
        {
            await Task.Yield();
            res.Status(204).End();
            _ = req.Params.GetLong("id");
        });
        app.Get("/keys/:key", Param<Guid>("key", "The key's id."), (req, res) => res.Send(req.Params["key"]!));
        app.Get("/users/:id?", (req, res) => res.Send(req.Params["id"] ?? "all"));
        app.Get("/files/*path", (req, res) => res.Send(req.Header("X-Trace") ?? "none"));
        app.All("/anything", (req, res) => res.Send("any"));
        var api = new Router();
        api.Get("/health", (req, res) => res.Send("ok"));
        app.Use("/api", api);
        app.MapOpenApi("/openapi.json", options =>
        {
            options.Title = "Notes";
            options.Version = "2.0";
        });
        return app;
    }

    [Fact]
    public async Task The_document_describes_paths_typed_parameters_bodies_and_responses()
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var response = await client.GetAsync("/openapi.json");
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = document.RootElement;
            Assert.StartsWith("3.1", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
            Assert.Equal("Notes", root.GetProperty("info").GetProperty("title").GetString());
            var paths = root.GetProperty("paths");
            Assert.Equal(
                ["/api/health", "/files/{path}", "/keys/{key}", "/notes", "/notes/{id}", "/users", "/users/{id}"],
                paths.EnumerateObject().Select(path => path.Name).Order(StringComparer.Ordinal));

            // Typed from what the handler reads (GetInt, GetBool, GetLong, Header) or what the route declares (Param<Guid>, Query<int>).
            Assert.Equal(("integer", "int32"), Schema(Parameter(paths, "/notes/{id}", "get", "id")));
            Assert.Equal(("integer", "int64"), Schema(Parameter(paths, "/notes/{id}", "delete", "id")));
            Assert.Equal(("boolean", null), Schema(Parameter(paths, "/notes", "get", "done")));
            var page = Parameter(paths, "/notes", "get", "page");
            Assert.Equal(("integer", "int32"), Schema(page));
            Assert.Equal("From 1.", page.GetProperty("description").GetString());
            Assert.Equal(("string", "uuid"), Schema(Parameter(paths, "/keys/{key}", "get", "key")));
            Assert.Equal("header", Parameter(paths, "/files/{path}", "get", "X-Trace").GetProperty("in").GetString());
            Assert.True(Parameter(paths, "/users/{id}", "get", "id").GetProperty("required").GetBoolean());
            Assert.False(paths.GetProperty("/users").GetProperty("get").TryGetProperty("parameters", out JsonElement none) && none.GetArrayLength() > 0);

            var create = paths.GetProperty("/notes").GetProperty("post");
            Assert.Equal("Creates a note", create.GetProperty("summary").GetString());
            Assert.Equal("notes", create.GetProperty("tags")[0].GetString());
            Assert.Equal("#/components/schemas/NewNote", create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.Equal("#/components/schemas/Note", create.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.True(create.GetProperty("responses").GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json", out JsonElement _));
            Assert.Equal("getNote", paths.GetProperty("/notes/{id}").GetProperty("get").GetProperty("operationId").GetString());
            Assert.True(paths.GetProperty("/notes/{id}").GetProperty("get").GetProperty("responses").TryGetProperty("404", out JsonElement _));
            Assert.Equal("array", paths.GetProperty("/notes").GetProperty("get").GetProperty("responses").GetProperty("200")
                .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("type").GetString());

            // The constraints of the body's DataAnnotations, with the JSON's names.
            var newNote = root.GetProperty("components").GetProperty("schemas").GetProperty("NewNote");
            Assert.Equal(["title"], newNote.GetProperty("required").EnumerateArray().Select(item => item.GetString()));
            var title = newNote.GetProperty("properties").GetProperty("title");
            Assert.Equal((3, 80), (title.GetProperty("minLength").GetInt32(), title.GetProperty("maxLength").GetInt32()));
            var priority = newNote.GetProperty("properties").GetProperty("priority");
            Assert.Equal((1, 5), (priority.GetProperty("minimum").GetInt32(), priority.GetProperty("maximum").GetInt32()));
            Assert.Equal("email", newNote.GetProperty("properties").GetProperty("ownerEmail").GetProperty("format").GetString());
        });
    }

    [Fact]
    public async Task An_independent_validator_accepts_the_document_and_refuses_a_broken_one()
    {
        string json = "";
        await TestApp.RunAsync(NotesApp(), async (client, _) => json = await client.GetStringAsync("/openapi.json"));
        var (exitCode, output) = await ValidateAsync(json);
        Assert.True(exitCode == 0, output);
        Assert.StartsWith("valid 3.1", output, StringComparison.Ordinal);

        // The validator is no rubber stamp: the same document with a path parameter taken out is refused.
        var broken = json.Replace("\"/keys/{key}\"", "\"/keys/{key}/{other}\"", StringComparison.Ordinal);
        var (brokenExit, brokenOutput) = await ValidateAsync(broken);
        Assert.Equal(1, brokenExit);
        Assert.Contains("no path parameter 'other'", brokenOutput, StringComparison.Ordinal);
    }

    /// <summary>A positional record: its rules are on its constructor's parameters, and the validator applies them.</summary>
    public sealed record NewTask([Required, StringLength(40, MinimumLength = 2)] string? Title, [Range(1, 9)] int Priority, string? Notes);

    [Fact]
    public async Task A_positional_records_rules_on_its_parameters_are_in_its_schema()
    {
        var app = new MicroApp();
        app.Post("/tasks", Accepts<NewTask>(), (req, res) => res.Status(201).End());
        var json = await app.ToOpenApiJsonAsync();
        using var document = JsonDocument.Parse(json);
        var schema = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("NewTask");
        Assert.Equal(["title"], schema.GetProperty("required").EnumerateArray().Select(item => item.GetString()));
        var title = schema.GetProperty("properties").GetProperty("title");
        Assert.Equal((2, 40), (title.GetProperty("minLength").GetInt32(), title.GetProperty("maxLength").GetInt32()));
        var priority = schema.GetProperty("properties").GetProperty("priority");
        Assert.Equal((1, 9), (priority.GetProperty("minimum").GetInt32(), priority.GetProperty("maximum").GetInt32()));
        Assert.False(schema.GetProperty("properties").GetProperty("notes").TryGetProperty("maxLength", out JsonElement _));
        var (exitCode, output) = await ValidateAsync(json);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task A_type_that_contains_itself_is_described_and_the_document_stays_valid()
    {
        var app = new MicroApp();
        app.Get("/folders/:id", [Produces<Folder>()], (req, res) => res.Json(new Folder("root", [], null)));
        app.Post("/folders", [Accepts<Folder>(), Produces<Folder>(201)], (req, res) => res.Status(201).Json(req.Json<Folder>()));
        var json = await app.ToOpenApiJsonAsync();
        using var document = JsonDocument.Parse(json);
        Assert.True(document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("Folder").GetProperty("properties").TryGetProperty("children", out _));
        var (exitCode, output) = await ValidateAsync(json);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task A_document_of_an_app_with_a_duplicated_operation_id_is_refused_with_its_name()
    {
        var app = new MicroApp();
        app.Get("/a", Name("same"), (req, res) => res.Send("a"));
        app.Get("/b", Name("same"), (req, res) => res.Send("b"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.ToOpenApiJsonAsync());
        Assert.Contains("'same'", error.Message, StringComparison.Ordinal);
    }

    private static JsonElement Parameter(JsonElement paths, string path, string method, string name) =>
        paths.GetProperty(path).GetProperty(method).GetProperty("parameters").EnumerateArray().Single(parameter => parameter.GetProperty("name").GetString() == name);

    private static (string? Type, string? Format) Schema(JsonElement parameter)
    {
        var schema = parameter.GetProperty("schema");
        return (schema.GetProperty("type").GetString(), schema.TryGetProperty("format", out var format) ? format.GetString() : null);
    }

    private static async Task<(int ExitCode, string Output)> ValidateAsync(string json)
    {
        var tool = Path.Combine(Repository.Root, "tests", "Tools", "openapi-validate");
        Assert.True(Directory.Exists(Path.Combine(tool, "node_modules")), "The OpenAPI validator is not installed: run scripts/test.sh (npm ci --prefix tests/Tools/openapi-validate).");
        var file = Path.Combine(Path.GetTempPath(), $"micro-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", [Path.Combine(tool, "validate.mjs"), file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = tool,
            })!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var output = node.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = node.StandardError.ReadToEndAsync(timeout.Token);
            await node.WaitForExitAsync(timeout.Token);
            return (node.ExitCode, await output + await errors);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
