using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using static Micro.Metadata.RouteMetadata;

namespace Micro.Tests.Metadata;

/// <summary>
/// Issue 22, part 3: a route's <c>Accepts&lt;T&gt;()</c> reads and checks its JSON body against T's DataAnnotations
/// before the handler runs, and answers what is wrong as <c>application/problem+json</c> with the JSON's own names.
/// </summary>
public sealed class AcceptsTests
{
    public sealed class NewNote : IValidatableObject
    {
        [Required, StringLength(80, MinimumLength = 3)]
        public string? Title { get; set; }

        [Range(1, 5)]
        public int Priority { get; set; } = 1;

        [EmailAddress]
        public string? OwnerEmail { get; set; }

        [JsonPropertyName("due_at")]
        public DateTimeOffset? DueAt { get; set; }

        public Address? Address { get; set; }

        public List<Tag> Tags { get; set; } = [];

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (DueAt is { } due && due.Year < 2000)
            {
                yield return new ValidationResult("A note is not due before 2000.", [nameof(DueAt)]);
            }
        }
    }

    public sealed class Address
    {
        [Required]
        public string? Street { get; set; }
    }

    public sealed class Tag
    {
        [Required, MaxLength(10)]
        public string? Name { get; set; }
    }

    /// <summary>Positional records, as minimal API users write them: the rules are on the constructor's parameters.</summary>
    public sealed record NewTask([Required, StringLength(10, MinimumLength = 3)] string? Title, [Range(1, 5)] int Priority, Place? Place,
        [property: MaxLength(2)] string? Code, [Display(Name = "The notes")][MaxLength(4)] string? Notes) : IValidatableObject
    {
        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            yield return new ValidationResult("Tasks are closed.", [nameof(Title)]);
        }
    }

    public readonly record struct Place([Required] string? Street, [Range(1, 99)] int Floor);

    private static MicroApp NotesApp()
    {
        var app = new MicroApp();
        app.Post("/notes", Accepts<NewNote>(), (req, res) => res.Status(201).Json(new { title = req.Json<NewNote>()!.Title, tags = req.Json<NewNote>()!.Tags.Count }));
        return app;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_valid_body_reaches_the_handler_which_gets_the_value_already_read()
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var response = await client.PostAsync("/notes", Json("""{"title":"Buy milk","priority":2,"tags":[{"name":"home"}]}"""));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("""{"title":"Buy milk","tags":1}""", await response.Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task Broken_constraints_answer_400_problem_json_keyed_as_the_JSON_names_them()
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var response = await client.PostAsync("/notes", Json(
                """{"title":"ab","priority":9,"ownerEmail":"nobody","due_at":"1999-01-01T00:00:00Z","address":{},"tags":[{"name":"ok"},{"name":"far too long a tag"}]}"""));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = problem.RootElement;
            Assert.Equal(400, root.GetProperty("status").GetInt32());
            Assert.Equal("One or more validation errors occurred.", root.GetProperty("title").GetString());
            var errors = root.GetProperty("errors");
            Assert.Equal(
                ["address.street", "ownerEmail", "priority", "tags[1].name", "title"],
                errors.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal));
            Assert.Equal("The field Title must be a string with a minimum length of 3 and a maximum length of 80.", errors.GetProperty("title")[0].GetString());
            Assert.Equal("The field Priority must be between 1 and 5.", errors.GetProperty("priority")[0].GetString());
        });
    }

    [Fact]
    public async Task A_missing_required_field_is_named_and_IValidatableObject_runs_only_when_the_fields_pass()
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var missing = await client.PostAsync("/notes", Json("""{"priority":1,"due_at":"1999-01-01T00:00:00Z"}"""));
            using var problem = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
            var errors = problem.RootElement.GetProperty("errors");
            Assert.Equal("The Title field is required.", errors.GetProperty("title")[0].GetString());
            Assert.False(errors.TryGetProperty("due_at", out JsonElement _)); // as DataAnnotations: the object's own rule waits for its fields

            var early = await client.PostAsync("/notes", Json("""{"title":"Fine","due_at":"1999-01-01T00:00:00Z"}"""));
            using var rule = JsonDocument.Parse(await early.Content.ReadAsStringAsync());
            Assert.Equal("A note is not due before 2000.", rule.RootElement.GetProperty("errors").GetProperty("due_at")[0].GetString());
        });
    }

    [Fact]
    public async Task A_positional_records_rules_on_its_parameters_are_checked_as_its_properties_rules()
    {
        var app = new MicroApp();
        app.Post("/tasks", Accepts<NewTask>(), (req, res) => res.Status(201).Send(req.Json<NewTask>()!.Title!));
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var response = await client.PostAsync("/tasks", Json("""{"title":"a","priority":9,"place":{"floor":100},"code":"xyz","notes":"hello"}"""));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var errors = problem.RootElement.GetProperty("errors");
            Assert.Equal(
                ["code", "notes", "place.floor", "place.street", "priority", "title"],
                errors.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal));
            // What .NET 10's minimal API validation says of the same record (ValidationAndOpenApiTests compares the two).
            Assert.Equal("The field Title must be a string with a minimum length of 3 and a maximum length of 10.", errors.GetProperty("title")[0].GetString());
            Assert.Equal("The field The notes must be a string or array type with a maximum length of '4'.", errors.GetProperty("notes")[0].GetString());
            Assert.Equal("The Street field is required.", errors.GetProperty("place.street")[0].GetString());
            Assert.Equal("The field Floor must be between 1 and 99.", errors.GetProperty("place.floor")[0].GetString());
            Assert.Single(errors.GetProperty("title").EnumerateArray()); // the record's own rule waits for its fields

            var fieldsPass = await client.PostAsync("/tasks", Json("""{"title":"Fine","priority":2,"place":{"street":"Main","floor":3}}"""));
            Assert.Equal(HttpStatusCode.BadRequest, fieldsPass.StatusCode);
            using var rule = JsonDocument.Parse(await fieldsPass.Content.ReadAsStringAsync());
            Assert.Equal("Tasks are closed.", rule.RootElement.GetProperty("errors").GetProperty("title")[0].GetString());
        });
    }

    public sealed class Addresses
    {
        public Dictionary<string, Address> Named { get; set; } = [];
    }

    [Fact]
    public async Task The_values_of_an_object_of_named_values_are_checked_keyed_by_their_names()
    {
        var app = new MicroApp();
        app.Post("/addresses", Accepts<Addresses>(), (req, res) => res.Status(201).End());
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var response = await client.PostAsync("/addresses", Json("""{"named":{"home":{"street":"Main"},"work":{}}}"""));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(["named[work].street"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(property => property.Name));
        });
    }

    [Theory]
    [InlineData("{\"title\": ", "not valid JSON")]
    [InlineData("null", "a JSON value is required")]
    [InlineData("", "not valid JSON")]
    public async Task A_body_that_is_not_a_value_answers_400_problem_json_saying_why(string body, string expected)
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var response = await client.PostAsync("/notes", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains(expected, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Another_content_type_answers_415_and_a_json_suffix_type_is_accepted()
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var form = await client.PostAsync("/notes", new StringContent("title=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
            Assert.Equal("application/problem+json", form.Content.Headers.ContentType!.MediaType);
            var merge = await client.PostAsync("/notes", new StringContent("""{"title":"Patch me"}""", Encoding.UTF8, "application/merge-patch+json"));
            Assert.Equal(HttpStatusCode.Created, merge.StatusCode);
        });
    }

    [Fact]
    public async Task A_hostile_body_nested_past_any_reason_is_refused_without_harm()
    {
        await TestApp.RunAsync(NotesApp(), async (client, _) =>
        {
            var deep = string.Concat(Enumerable.Repeat("{\"address\":", 5000)) + "{}" + new string('}', 5000);
            var response = await client.PostAsync("/notes", Json(deep));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode); // the JSON reader's depth limit
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/notes", Json("""{"title":"still here"}"""))).StatusCode);
        });
    }
}
