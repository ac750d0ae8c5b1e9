namespace Micro.Tests.Routing;

/// <summary>Issue 21: one core (Map), the verbs generated over it, and the routes of one pattern declared together.</summary>
public sealed class RouteBuilderTests
{
    private static readonly Middleware Tag = async (req, res, next) =>
    {
        res.AppendHeader("X-Route-Middleware", "yes");
        await next;
    };

    [Fact]
    public async Task Route_declares_the_methods_of_one_pattern_with_their_own_middleware()
    {
        var app = new MicroApp();
        app.Route("/notes/:id")
            .Get((req, res) => res.Send($"read {req.Params["id"]}"))
            .Put(Tag, async (req, res) =>
            {
                await Task.Yield();
                res.Send($"update {req.Params["id"]}");
            })
            .Delete([Tag, Tag], (req, res) => res.Status(204).End())
            .Map("PROPFIND", (req, res) => res.Status(207).Send("props"));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            Assert.Equal("read 7", await client.GetStringAsync("/notes/7"));
            var put = await client.PutAsync("/notes/7", null);
            Assert.Equal("update 7", await put.Content.ReadAsStringAsync());
            Assert.Equal("yes", put.Headers.GetValues("X-Route-Middleware").Single());
            var delete = await client.DeleteAsync("/notes/7");
            Assert.Equal(204, (int)delete.StatusCode);
            Assert.Equal(["yes", "yes"], delete.Headers.GetValues("X-Route-Middleware"));
            Assert.Equal(207, (int)(await client.SendAsync(new HttpRequestMessage(new HttpMethod("PROPFIND"), "/notes/7"))).StatusCode);
            var post = await client.PostAsync("/notes/7", null);
            Assert.Equal(405, (int)post.StatusCode);
            Assert.Equal(["DELETE", "GET", "HEAD", "PROPFIND", "PUT"], post.Content.Headers.Allow.Order());
        });
    }

    [Fact]
    public void Every_verb_has_the_six_shapes_and_a_bad_pattern_or_null_is_refused_where_it_is_written()
    {
        foreach (var verb in new[] { "Get", "Post", "Put", "Patch", "Delete", "Head", "Options", "All" })
        {
            Assert.Equal(6, typeof(Router).GetMethods().Count(method => method.Name == verb));
            Assert.Equal(6, typeof(RouteBuilder).GetMethods().Count(method => method.Name == verb));
        }
        var app = new MicroApp();
        Assert.Throws<ArgumentException>(() => app.Route("no-slash"));
        Assert.Throws<ArgumentNullException>(() => app.Get("/x", (Middleware)null!, (req, res) => res.Send("x")));
        Assert.Throws<ArgumentNullException>(() => app.Post("/x", (RequestHandler)null!));
        Assert.Throws<ArgumentException>(() => app.Map("BAD METHOD", "/x", (req, res) => res.Send("x")));
    }
}
