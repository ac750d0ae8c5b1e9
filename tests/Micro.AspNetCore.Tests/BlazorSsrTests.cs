using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Routing;
using BlazorRouter = Microsoft.AspNetCore.Components.Routing.Router;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// A Blazor Web App's static server rendering (what `dotnet new blazor` makes, written here without .razor files): a
/// page with streaming rendering sends its first HTML while its data loads, then the rest in the same response; a form
/// posts back with its antiforgery token and is answered. Same answers on every server.
/// </summary>
public sealed class BlazorSsrTests
{
    [Theory]
    [OnEveryServer]
    public async Task A_streamed_page_arrives_in_two_parts_and_a_form_posts_back_with_its_antiforgery_token(ServerKind server)
    {
        var loaded = new DataGate();
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseAntiforgery();
            web.MapRazorComponents<AppShell>();
        }, builder =>
        {
            builder.Services.AddRazorComponents();
            builder.Services.AddSingleton(loaded);
        });

        using (var response = await app.Client.GetAsync("/streamed", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            var stream = await response.Content.ReadAsStreamAsync();
            // The page's first rendering, sent while its data still loads.
            var first = await ResponseMiddlewareTests.ReadUntilAsync(stream, "</html>");
            Assert.Contains("<p id=\"status\">loading</p>", first, StringComparison.Ordinal);
            loaded.Open.SetResult();
            // The rest: the loaded rendering, streamed into the same response as a blazor-ssr update.
            var rest = await new StreamReader(stream).ReadToEndAsync();
            Assert.Contains("<blazor-ssr>", rest, StringComparison.Ordinal);
            Assert.Contains("<p id=\"status\">loaded</p>", rest, StringComparison.Ordinal);
        }

        var form = await app.Client.GetStringAsync("/form");
        var token = System.Text.RegularExpressions.Regex.Match(form, "<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.True(token.Length > 0, form);
        var posted = await app.Client.PostAsync("/form", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "greet",
            ["__RequestVerificationToken"] = token,
            ["Name"] = "Ada",
        }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("<p id=\"greeting\">Hello, Ada!</p>", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Without the token the post is refused, as on every server.
        var forged = await app.Client.PostAsync("/form", new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "greet", ["Name"] = "Eve" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    /// <summary>What the streamed page waits for, opened by the test.</summary>
    public sealed class DataGate
    {
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The document and its router, as App.razor and Routes.razor are.</summary>
    public sealed class AppShell : ComponentBase
    {
        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.AddMarkupContent(0, "<!DOCTYPE html><html><head><title>Micro</title></head><body>");
            builder.OpenComponent<BlazorRouter>(1);
            builder.AddComponentParameter(2, nameof(BlazorRouter.AppAssembly), typeof(AppShell).Assembly);
            builder.AddComponentParameter(3, nameof(BlazorRouter.Found), (RenderFragment<RouteData>)(route => page =>
            {
                page.OpenComponent<RouteView>(0);
                page.AddComponentParameter(1, nameof(RouteView.RouteData), route);
                page.CloseComponent();
            }));
            builder.CloseComponent();
            builder.AddMarkupContent(4, "</body></html>");
        }
    }

    /// <summary>A page with streaming rendering: it renders "loading" at once, and "loaded" when its data comes.</summary>
    [Route("/streamed")]
    [StreamRendering]
    public sealed class StreamedPage : ComponentBase
    {
        private string _status = "loading";

        [Inject]
        public required DataGate Data { get; set; }

        protected override async Task OnInitializedAsync()
        {
            await Data.Open.Task.WaitAsync(TimeSpan.FromSeconds(30));
            _status = "loaded";
        }

        protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddMarkupContent(0, $"<p id=\"status\">{_status}</p>");
    }

    /// <summary>A page with a form that posts back to itself (an EditForm-less form with a named handler).</summary>
    [Route("/form")]
    public sealed class FormPage : ComponentBase
    {
        [SupplyParameterFromForm]
        public string? Name { get; set; }

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "form");
            builder.AddAttribute(1, "method", "post");
            builder.AddAttribute(2, "onsubmit", () => { });
            builder.AddNamedEvent("onsubmit", "greet");
            builder.OpenComponent<Microsoft.AspNetCore.Components.Forms.AntiforgeryToken>(3);
            builder.CloseComponent();
            builder.AddMarkupContent(4, "<input name=\"Name\" /><button type=\"submit\">Greet</button>");
            builder.CloseElement();
            if (Name is not null)
            {
                builder.OpenElement(5, "p");
                builder.AddAttribute(6, "id", "greeting");
                builder.AddContent(7, $"Hello, {Name}!");
                builder.CloseElement();
            }
        }
    }
}
