using Micro.Parser;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Features;

/// <summary>Dependency injection and configuration, over real sockets. One collection: configuration reads the process's files and environment.</summary>
[Collection(nameof(ServicesAndConfigurationTests))]
public sealed class ServicesAndConfigurationTests
{
    private sealed class PerRequest : IAsyncDisposable
    {
        public static int Disposed;

        public Guid Id { get; } = Guid.NewGuid();

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref Disposed);
            return default;
        }
    }

    private sealed class Counter
    {
        private int _count;

        public int Next() => Interlocked.Increment(ref _count);
    }

    [Fact]
    public async Task Scoped_services_are_the_requests_own_singletons_are_shared_and_scopes_end_with_the_request()
    {
        var builder = MicroApp.CreateBuilder([]);
        builder.Services.AddScoped<PerRequest>();
        builder.Services.AddSingleton<Counter>();
        var app = builder.Build();
        app.Use(async (req, res, next) =>
        {
            req.Items["seen"] = req.Services.GetRequiredService<PerRequest>().Id;
            await next;
        });
        app.Get("/sync", (req, res) => res.Send(Describe(req)));
        app.Get("/async", async (req, res) =>
        {
            await Task.Yield();
            res.Send(Describe(req));
        });
        var disposedBefore = PerRequest.Disposed;
        await TestApp.RunAsync(app, async (client, _) =>
        {
            var first = (await client.GetStringAsync("/sync")).Split('|');
            var second = (await client.GetStringAsync("/async")).Split('|');
            Assert.Equal("True", first[0]);   // middleware and handler share the request's instance
            Assert.Equal("True", second[0]);
            Assert.NotEqual(first[1], second[1]); // each request its own
            Assert.Equal(["1", "2"], new[] { first[2], second[2] }); // the singleton counts across requests
        });
        Assert.Equal(2, PerRequest.Disposed - disposedBefore);
    }

    private static string Describe(Request req)
    {
        var scoped = req.Services.GetRequiredService<PerRequest>();
        return $"{(Guid)req.Items["seen"]! == scoped.Id}|{scoped.Id}|{req.Services.GetRequiredService<Counter>().Next()}";
    }

    [Fact]
    public async Task Server_options_and_values_come_from_json_environment_and_command_line_in_that_order()
    {
        // The content root, as ASP.NET Core's: --contentRoot here (else ASPNETCORE_CONTENTROOT, else the current directory).
        var root = Directory.CreateTempSubdirectory("micro-content-root-").FullName;
        var json = Path.Combine(root, "appsettings.json");
        await File.WriteAllTextAsync(json, """{ "Micro": { "MaxRequestBodySize": 300, "KeepAliveTimeout": "00:00:45" }, "Greeting": "json", "Farewell": "json" }""");
        Environment.SetEnvironmentVariable("Greeting", "environment");
        try
        {
            var builder = MicroApp.CreateBuilder(["--contentRoot", root, "--Farewell=command line", "--Greeting=command line"]);
            Assert.Equal(root, builder.ContentRoot);
            Assert.Equal("environment", MicroApp.CreateBuilder(["--contentRoot", root]).Configuration["Greeting"]); // the environment over the file
            Environment.SetEnvironmentVariable("Greeting", null);
            var app = builder.Build();
            Assert.Equal(300, app.ServerOptions.MaxRequestBodySize);
            Assert.Equal(TimeSpan.FromSeconds(45), app.ServerOptions.KeepAliveTimeout);
            Assert.Equal("command line", app.Configuration!["Greeting"]);
            app.Post("/echo", (req, res) => res.Send(req.Body.Span));
            await TestApp.RunAsync(app, async (client, _) =>
            {
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/echo", new ByteArrayContent(new byte[300]))).StatusCode);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/echo", new ByteArrayContent(new byte[301]))).StatusCode);
            });

            Assert.Equal("json", MicroApp.CreateBuilder([$"--contentRoot={root}"]).Configuration["Greeting"]);
            Assert.Null(MicroApp.CreateBuilder([]).Configuration["Farewell"]); // the current directory has no such file
        }
        finally
        {
            Environment.SetEnvironmentVariable("Greeting", null);
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Every server setting the Micro section can give is taken (bound by generated code, as a Native AOT app binds
    /// it), the parser's limits among them; and those limits are made for this app, never written into the shared
    /// default every other server in the process starts from.
    /// </summary>
    [Fact]
    public void Every_server_setting_in_the_micro_section_is_taken_and_the_shared_limits_stay_untouched()
    {
        var app = MicroApp.CreateBuilder([
            "--Micro:SharePort=true", "--Micro:UseSystemdSockets=false", "--Micro:ReactorCount=3", "--Micro:ProblemDetails=true",
            "--Micro:ParserLimits:MaxHeaderCount=12", "--Micro:ParserLimits:MaxRequestLineLength=2048",
            "--Micro:MaxRequestBodySize=1234", "--Micro:MaxConnections=77", "--Micro:KeepAliveTimeout=00:00:07",
            "--Micro:RequestHeadersTimeout=00:00:03", "--Micro:MinRequestBodyDataRate=100", "--Micro:MinRequestBodyDataRateGracePeriod=00:00:04",
            "--Micro:MinResponseDataRate=50.5", "--Micro:MinResponseDataRateGracePeriod=00:00:09", "--Micro:MaxResponseBufferSize=4096",
            "--Micro:MaxPipelinedRequests=8", "--Micro:ShutdownTimeout=00:00:11", "--Micro:ReactorStallTimeout=00:00:06",
            "--Micro:ShutdownDelay=00:00:01", "--Micro:ClientFinAbortsRequests=true", "--Micro:ServerHeader=configured",
        ]).Build();
        var options = app.ServerOptions;
        Assert.True(options.SharePort);
        Assert.False(options.UseSystemdSockets);
        Assert.Equal(3, options.ReactorCount);
        Assert.True(options.ProblemDetails);
        Assert.Equal(new HttpParserLimits { MaxHeaderCount = 12, MaxRequestLineLength = 2048 }, options.ParserLimits);
        Assert.Equal(1234, options.MaxRequestBodySize);
        Assert.Equal(77, options.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(7), options.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RequestHeadersTimeout);
        Assert.Equal(100, options.MinRequestBodyDataRate);
        Assert.Equal(TimeSpan.FromSeconds(4), options.MinRequestBodyDataRateGracePeriod);
        Assert.Equal(50.5, options.MinResponseDataRate);
        Assert.Equal(TimeSpan.FromSeconds(9), options.MinResponseDataRateGracePeriod);
        Assert.Equal(4096, options.MaxResponseBufferSize);
        Assert.Equal(8, options.MaxPipelinedRequests);
        Assert.Equal(TimeSpan.FromSeconds(11), options.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(6), options.ReactorStallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ShutdownDelay);
        Assert.True(options.ClientFinAbortsRequests);
        Assert.Equal("configured", options.ServerHeader);

        Assert.Equal(new HttpParserLimits(), HttpParserLimits.Default);
        Assert.Equal(HttpParserLimits.Default, MicroApp.CreateBuilder([]).Build().ServerOptions.ParserLimits);
    }

    [Fact]
    public void A_malformed_setting_fails_the_build_naming_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => MicroApp.CreateBuilder(["--Micro:MaxRequestBodySize=lots"]).Build());
        Assert.Contains("Micro:MaxRequestBodySize", error.Message);
    }

    [Fact]
    public async Task Without_services_the_request_says_how_to_get_them()
    {
        var app = new MicroApp();
        app.Get("/", (req, res) => res.Send(Assert.Throws<InvalidOperationException>(() => req.Services).Message));
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
            Assert.StartsWith("This app has no services: build it with MicroApp.CreateBuilder(args)", await client.GetStringAsync("/")));
    }
}
