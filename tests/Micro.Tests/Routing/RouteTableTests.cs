using Micro.Parser;
using Micro.Routing;

namespace Micro.Tests.Routing;

public sealed class RouteTableTests
{
    private static RouteTable<string> Table(params (string Method, string Pattern)[] routes)
    {
        var table = new RouteTable<string>();
        foreach (var (method, pattern) in routes)
        {
            table.Add(method, pattern, $"{method} {pattern}");
        }
        return table;
    }

    /// <summary>
    /// Matches and renders "handler {name=value,...}" or the status: by the method's name, and as the parser classifies
    /// it (a standard method found by index), which must agree.
    /// </summary>
    private static string Match(RouteTable<string> table, string method, string path)
    {
        var byName = Match(table, RequestMethod.Unknown, method, path);
        var known = Enum.GetValues<RequestMethod>().FirstOrDefault(m => HttpGrammar.MethodName(m) == method, RequestMethod.Extension);
        Assert.Equal(byName, Match(table, known, method, path));
        return byName;
    }

    private static string Match(RouteTable<string> table, RequestMethod known, string method, string path)
    {
        var bytes = Encoding.ASCII.GetBytes(path);
        Span<ByteRange> captures = stackalloc ByteRange[8];
        var match = table.Match(known, Encoding.ASCII.GetBytes(method), bytes, captures);
        if (match.Status != RouteMatchStatus.Found)
        {
            return match.Status == RouteMatchStatus.MethodNotAllowed ? $"405 Allow: {match.Allow}" : "404";
        }
        var values = new List<string>();
        for (var i = 0; i < match.CaptureCount; i++)
        {
            values.Add($"{match.ParameterNames[i]}={Encoding.ASCII.GetString(captures[i].Of(bytes))}");
        }
        return values.Count == 0 ? match.Handler! : $"{match.Handler} {{{string.Join(",", values)}}}";
    }

    [Fact]
    public void Static_parameter_and_wildcard_routes_match_and_capture()
    {
        var table = Table(("GET", "/"), ("GET", "/users"), ("GET", "/users/:id"), ("GET", "/users/:id/posts/:post"), ("GET", "/files/*path"), ("GET", "/any/*"));
        Assert.Equal("GET /", Match(table, "GET", "/"));
        Assert.Equal("GET /users", Match(table, "GET", "/users"));
        Assert.Equal("GET /users/:id {id=42}", Match(table, "GET", "/users/42"));
        Assert.Equal("GET /users/:id/posts/:post {id=7,post=x-1}", Match(table, "GET", "/users/7/posts/x-1"));
        Assert.Equal("GET /files/*path {path=a/b/c.txt}", Match(table, "GET", "/files/a/b/c.txt"));
        Assert.Equal("GET /files/*path {path=}", Match(table, "GET", "/files"));
        Assert.Equal("GET /any/* {*=x/y}", Match(table, "GET", "/any/x/y"));
    }

    [Fact]
    public void Static_beats_parameter_beats_wildcard_with_backtracking()
    {
        var table = Table(("GET", "/users/new"), ("GET", "/users/:id"), ("GET", "/users/*rest"), ("GET", "/users/:id/edit"), ("GET", "/users/new/preview"));
        Assert.Equal("GET /users/new", Match(table, "GET", "/users/new"));
        Assert.Equal("GET /users/:id {id=5}", Match(table, "GET", "/users/5"));
        Assert.Equal("GET /users/new/preview", Match(table, "GET", "/users/new/preview"));
        // "new" matches the static branch first, which has no "edit": the parameter branch is tried next.
        Assert.Equal("GET /users/:id/edit {id=new}", Match(table, "GET", "/users/new/edit"));
        Assert.Equal("GET /users/*rest {rest=5/other/deep}", Match(table, "GET", "/users/5/other/deep"));
    }

    [Fact]
    public void Optional_parameters_match_with_and_without_their_segment()
    {
        var table = Table(("GET", "/posts/:year/:month?"));
        Assert.Equal("GET /posts/:year/:month? {year=2026,month=11}", Match(table, "GET", "/posts/2026/11"));
        Assert.Equal("GET /posts/:year/:month? {year=2026}", Match(table, "GET", "/posts/2026"));
        Assert.Equal("404", Match(table, "GET", "/posts"));
    }

    [Fact]
    public void A_trailing_slash_is_ignored_and_empty_segments_do_not_match()
    {
        var table = Table(("GET", "/users/:id"), ("GET", "/about"));
        Assert.Equal("GET /about", Match(table, "GET", "/about/"));
        Assert.Equal("GET /users/:id {id=3}", Match(table, "GET", "/users/3/"));
        Assert.Equal("404", Match(table, "GET", "/users//"));
        Assert.Equal("404", Match(table, "GET", "//about"));
    }

    [Fact]
    public void Paths_match_in_the_case_they_were_routed_in()
    {
        var table = Table(("GET", "/users/:id"), ("GET", "/About"));
        Assert.Equal("GET /About", Match(table, "GET", "/About"));
        Assert.Equal("404", Match(table, "GET", "/about"));
        Assert.Equal("404", Match(table, "GET", "/Users/3"));
        Assert.Equal("GET /users/:id {id=Ab}", Match(table, "GET", "/users/Ab")); // a value keeps its case
    }

    [Fact]
    public void Percent_encoding_is_matched_as_sent_so_dot_segments_cannot_be_smuggled()
    {
        var table = Table(("GET", "/public/:file"), ("GET", "/admin"));
        Assert.Equal("GET /public/:file {file=%2e%2e}", Match(table, "GET", "/public/%2e%2e"));
        Assert.Equal("404", Match(table, "GET", "/%61dmin"));
        Assert.Equal("404", Match(table, "GET", "/public/%2e%2e/admin"));
    }

    [Fact]
    public void A_path_routed_for_other_methods_gets_405_with_allow()
    {
        var table = Table(("GET", "/items"), ("POST", "/items"), ("DELETE", "/items/:id"));
        Assert.Equal("405 Allow: GET, POST, HEAD", Match(table, "PUT", "/items"));
        Assert.Equal("405 Allow: DELETE", Match(table, "GET", "/items/9"));
        Assert.Equal("404", Match(table, "GET", "/nothing"));
    }

    [Fact]
    public void Head_is_served_by_get_unless_routed_itself_and_star_serves_every_method()
    {
        var table = Table(("GET", "/a"), ("GET", "/b"), ("HEAD", "/b"), ("*", "/c"));
        Assert.Equal("GET /a", Match(table, "HEAD", "/a"));
        Assert.Equal("HEAD /b", Match(table, "HEAD", "/b"));
        Assert.Equal("* /c", Match(table, "PATCH", "/c"));
        Assert.Equal("* /c", Match(table, "PROPFIND", "/c"));
    }

    [Fact]
    public void Extension_methods_lowercase_routes_and_static_siblings_of_every_length_are_told_apart()
    {
        var routes = new List<(string, string)> { ("PURGE", "/cache"), ("get", "/lower"), ("GET", "/cache/:key") };
        for (var i = 0; i < 60; i++)
        {
            routes.Add(("GET", $"/{new string('a', (i % 7) + 1)}{i}")); // lengths interleaved: kept in order by length, then bytes
        }
        var table = Table([.. routes]);
        for (var i = 0; i < 60; i++)
        {
            var path = $"/{new string('a', (i % 7) + 1)}{i}";
            Assert.Equal($"GET {path}", Match(table, "GET", path));
        }
        Assert.Equal("PURGE /cache", Match(table, "PURGE", "/cache"));
        Assert.Equal("405 Allow: PURGE", Match(table, "GET", "/cache"));
        Assert.Equal("get /lower", Match(table, "GET", "/lower"));
        Assert.Equal("get /lower", Match(table, "HEAD", "/lower"));
        Assert.Equal("405 Allow: GET, HEAD", Match(table, "get", "/lower")); // methods are case-sensitive
        Assert.Equal("GET /cache/:key {key=k}", Match(table, "GET", "/cache/k"));
        Assert.Equal("404", Match(table, "GET", "/a"));
        Assert.Equal("404", Match(table, "GET", "/aaaaaaaa0"));
    }

    [Theory]
    [InlineData("users")]
    [InlineData("/files/*/more")]
    [InlineData("/a/:")]
    [InlineData("/a/:x/:x")]
    [InlineData("/a/:x?/:y?")]
    [InlineData("/a/b:c")]
    public void Invalid_patterns_are_refused_with_the_reason(string pattern)
    {
        var error = Assert.Throws<ArgumentException>(() => new RouteTable<string>().Add("GET", pattern, "h"));
        Assert.Contains(pattern, error.Message);
    }

    [Fact]
    public void A_route_added_twice_is_refused()
    {
        var table = Table(("GET", "/a/:id"));
        Assert.Throws<InvalidOperationException>(() => table.Add("get", "/a/:id", "again"));
    }

    [Fact]
    public void A_tree_of_500_routes_finds_each_and_matching_allocates_nothing()
    {
        var table = new RouteTable<string>();
        for (var i = 0; i < 500; i++)
        {
            table.Add("GET", $"/api/v{i % 5}/resource{i}/:id/detail{i % 7}", $"route{i}");
        }
        Span<ByteRange> captures = stackalloc ByteRange[table.MaxCaptures];
        var paths = Enumerable.Range(0, 500).Select(i => Encoding.ASCII.GetBytes($"/api/v{i % 5}/resource{i}/{i * 3}/detail{i % 7}")).ToArray();
        var method = "GET"u8.ToArray();
        for (var i = 0; i < 500; i++)
        {
            var match = table.Match(method, paths[i], captures);
            Assert.Equal($"route{i}", match.Handler);
            Assert.Equal((i * 3).ToString(), Encoding.ASCII.GetString(captures[0].Of(paths[i])));
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 10; round++)
        {
            for (var i = 0; i < 500; i++)
            {
                table.Match(method, paths[i], captures);
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_whole_static_path_answers_as_the_walk_would_and_gives_way_to_it_for_a_method_it_does_not_serve()
    {
        var table = Table(("GET", "/a/b"), ("POST", "/a/:x"), ("PUT", "/a/*rest"), ("*", "/any/thing"), ("GET", "/"), ("DELETE", "/a/b"));
        Assert.Equal("GET /a/b", Match(table, "GET", "/a/b"));
        Assert.Equal("GET /a/b", Match(table, "GET", "/a/b/")); // a trailing slash is ignored
        Assert.Equal("GET /a/b", Match(table, "HEAD", "/a/b")); // HEAD by GET
        Assert.Equal("DELETE /a/b", Match(table, "DELETE", "/a/b"));
        Assert.Equal("POST /a/:x {x=b}", Match(table, "POST", "/a/b")); // the static path does not serve POST: the walk goes on
        Assert.Equal("PUT /a/*rest {rest=b}", Match(table, "PUT", "/a/b"));
        Assert.Equal("405 Allow: GET, DELETE, HEAD", Match(table, "PATCH", "/a/b")); // the first path that matched says what it allows
        Assert.Equal("* /any/thing", Match(table, "PURGE", "/any/thing"));
        Assert.Equal("GET /", Match(table, "GET", "/"));
        Assert.Equal("404", Match(table, "GET", "/A/b")); // static segments are compared as sent
        Assert.Equal("405 Allow: PUT", Match(table, "GET", "/a/b/c")); // only the wildcard has that path
        Assert.Equal("PUT /a/*rest {rest=b/c}", Match(table, "PUT", "/a/b/c"));
    }

    [Fact]
    public void Hundreds_of_static_paths_are_each_found_and_their_neighbours_are_not()
    {
        var table = new RouteTable<string>();
        for (var i = 0; i < 300; i++)
        {
            table.Add("GET", $"/static{i}/page{i % 7}", $"route{i}");
        }
        Span<ByteRange> captures = stackalloc ByteRange[1];
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal($"route{i}", table.Match("GET"u8, Encoding.ASCII.GetBytes($"/static{i}/page{i % 7}"), captures).Handler);
            Assert.Equal(RouteMatchStatus.NotFound, table.Match("GET"u8, Encoding.ASCII.GetBytes($"/static{i}/page{(i % 7) + 1}"), captures).Status);
            Assert.Equal(RouteMatchStatus.NotFound, table.Match("GET"u8, Encoding.ASCII.GetBytes($"/static{i}"), captures).Status);
        }
    }
}
