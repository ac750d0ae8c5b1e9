using Micro.Tests.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.UserSecrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Tests.Hosting;

/// <summary>
/// MicroApp.CreateBuilder reads configuration as ASP.NET Core's WebApplicationBuilder does, compared with one built in
/// the same process from the same files and command line. Before, a Micro app ignored <c>--environment</c> and
/// <c>--applicationName</c>, never read user secrets in Development nor {ApplicationName}.settings.json, and read its
/// files once, so a log level changed in appsettings.json needed a restart; and an app started with Start() had no
/// way to release its services. In the configuration tests' collection: they read the process's environment.
/// </summary>
[Collection(nameof(ServicesAndConfigurationTests))]
public sealed class BuilderConfigurationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("micro-builder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string file, string json) => File.WriteAllText(Path.Combine(_root, file), json);

    [Fact]
    public async Task The_same_files_and_command_line_give_the_same_values_as_on_ASP_NET_Core()
    {
        Write("appsettings.json", """{ "A": "appsettings", "B": "appsettings", "C": "appsettings", "D": "appsettings", "E": "appsettings" }""");
        Write("appsettings.Staging.json", """{ "B": "appsettings.Staging", "C": "appsettings.Staging", "D": "appsettings.Staging" }""");
        Write("Demo.settings.json", """{ "C": "Demo.settings", "D": "Demo.settings" }""");
        Write("Demo.settings.Staging.json", """{ "D": "Demo.settings.Staging" }""");
        Write("appsettings.Production.json", """{ "A": "appsettings.Production" }""");
        string[] args = ["--environment", "Staging", "--applicationName", "Demo", "--contentRoot", _root, "--E=command line"];

        var aspNetCore = WebApplication.CreateBuilder(args);
        var micro = MicroApp.CreateBuilder(args);
        await using var aspNetCoreApp = aspNetCore.Build();
        await using var microApp = micro.Build();

        Assert.True(micro.Environment.IsStaging());
        Assert.Equal(aspNetCore.Environment.EnvironmentName, micro.Environment.EnvironmentName);
        Assert.Equal(aspNetCore.Environment.ContentRootPath.TrimEnd('/'), micro.ContentRoot);
        var environment = microApp.Services.GetRequiredService<IWebHostEnvironment>();
        Assert.Same(micro.Environment, environment);
        Assert.Same(environment, microApp.Environment);
        Assert.Equal(("Demo", "Staging"), (environment.ApplicationName, environment.EnvironmentName));
        Assert.Equal(aspNetCoreApp.Environment.WebRootPath, microApp.Environment.WebRootPath);
        foreach (var key in new[] { "A", "B", "C", "D", "E", "environment", "applicationName" })
        {
            Assert.Equal((key, aspNetCoreApp.Configuration[key]), (key, microApp.Configuration![key]));
        }
        Assert.Equal("Demo.settings.Staging", microApp.Configuration!["D"]);
        // Every file is watched, as ASP.NET Core's are.
        Assert.Equal(
            JsonSources(aspNetCore.Configuration).Select(source => (source.Path, source.ReloadOnChange)),
            JsonSources(micro.Configuration).Select(source => (source.Path, source.ReloadOnChange)));
        Assert.All(JsonSources(micro.Configuration), source => Assert.True(source.ReloadOnChange));
    }

    [Fact]
    public async Task Watching_files_can_be_turned_off_as_on_ASP_NET_Core_and_a_value_that_is_not_a_boolean_is_named()
    {
        await using var app = MicroApp.CreateBuilder(["--contentRoot", _root, "--hostBuilder:reloadConfigOnChange=false"]).Build();
        Assert.All(JsonSources((IConfigurationBuilder)app.Configuration!), source => Assert.False(source.ReloadOnChange));
        var error = Assert.Throws<InvalidOperationException>(() => MicroApp.CreateBuilder(["--hostBuilder:reloadConfigOnChange=sometimes"]));
        Assert.Contains("hostBuilder:reloadConfigOnChange", error.Message);
        Assert.Contains("sometimes", error.Message);
    }

    [Fact]
    public async Task A_relative_content_root_is_taken_from_the_apps_folder_and_a_missing_one_fails_the_start_naming_it()
    {
        string[] relative = ["--contentRoot", Path.GetRelativePath(AppContext.BaseDirectory, _root)];
        await using var app = MicroApp.CreateBuilder(relative).Build();
        Assert.Equal(_root, app.Environment.ContentRootPath);
        // ASP.NET Core leaves the path as combined ("bin/.../../../tmp/..."); the same folder.
        Assert.Equal(Path.GetFullPath(WebApplication.CreateBuilder(relative).Environment.ContentRootPath).TrimEnd('/'), app.Environment.ContentRootPath);

        var missing = Path.Combine(_root, "no-such-folder");
        var error = Assert.Throws<DirectoryNotFoundException>(() => MicroApp.CreateBuilder(["--contentRoot", missing]));
        Assert.Contains(missing, error.Message);
        Assert.Throws<DirectoryNotFoundException>(() => WebApplication.CreateBuilder(["--contentRoot", missing])); // as on ASP.NET Core
    }

    private sealed class SmtpOptions
    {
        [System.ComponentModel.DataAnnotations.Required]
        public string? Host { get; set; }

        [System.ComponentModel.DataAnnotations.Range(1, 65535)]
        public int Port { get; set; }
    }

    [Fact]
    public async Task Options_validated_on_start_fail_the_start_with_ASP_NET_Cores_exception_and_message()
    {
        static void AddSmtp(IServiceCollection services) =>
            services.AddOptions<SmtpOptions>().BindConfiguration("Smtp").ValidateDataAnnotations().ValidateOnStart();
        string[] args = ["--contentRoot", _root, "--urls", "http://127.0.0.1:0", "--Smtp:Port=0"];
        var micro = MicroApp.CreateBuilder(args);
        AddSmtp(micro.Services);
        micro.Services.AddSingleton<StartNotingService>();
        micro.Services.AddHostedService(services => services.GetRequiredService<StartNotingService>());
        await using var app = micro.Build();
        var refused = Assert.Throws<OptionsValidationException>(app.Start);
        Assert.False(app.Services.GetRequiredService<StartNotingService>().Started); // checked before anything started

        var aspNetCore = WebApplication.CreateBuilder(args);
        AddSmtp(aspNetCore.Services);
        await using var web = aspNetCore.Build();
        var expected = await Assert.ThrowsAsync<OptionsValidationException>(() => web.StartAsync());
        Assert.Equal(expected.Message, refused.Message);
        Assert.Contains("Port", refused.Message);

        var valid = MicroApp.CreateBuilder(["--contentRoot", _root, "--urls", "http://127.0.0.1:0", "--Smtp:Host=mail", "--Smtp:Port=25"]);
        AddSmtp(valid.Services);
        await using var validApp = valid.Build();
        await validApp.StartAsync(); // valid settings start
        Assert.NotEmpty(validApp.EndPoints);
    }

    [Fact]
    public async Task The_hosts_shutdown_timeout_bounds_the_stop_unless_the_Micro_section_sets_one()
    {
        var configured = MicroApp.CreateBuilder(["--contentRoot", _root]);
        configured.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(7));
        await using var byOptions = configured.Build();
        Assert.Equal(TimeSpan.FromSeconds(7), byOptions.ServerOptions.ShutdownTimeout);

        string[] byKey = ["--contentRoot", _root, "--shutdownTimeoutSeconds=9"]; // the host's own key, as ASP.NET Core reads it
        await using var byConfiguration = MicroApp.CreateBuilder(byKey).Build();
        Assert.Equal(TimeSpan.FromSeconds(9), byConfiguration.ServerOptions.ShutdownTimeout);
        await using var web = WebApplication.CreateBuilder(byKey).Build();
        Assert.Equal(TimeSpan.FromSeconds(9), web.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);

        var both = MicroApp.CreateBuilder(["--contentRoot", _root, "--Micro:ShutdownTimeout=00:00:03", "--shutdownTimeoutSeconds=9"]);
        both.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(7));
        await using var bySection = both.Build();
        Assert.Equal(TimeSpan.FromSeconds(3), bySection.ServerOptions.ShutdownTimeout); // the server's own setting wins
        await using var neither = MicroApp.CreateBuilder(["--contentRoot", _root]).Build();
        Assert.Equal(TimeSpan.FromSeconds(30), neither.ServerOptions.ShutdownTimeout);
        Assert.Throws<InvalidOperationException>(() => MicroApp.CreateBuilder(["--contentRoot", _root, "--shutdownTimeoutSeconds=soon"]).Build());

        string[] startup = ["--contentRoot", _root, "--startupTimeoutSeconds=5"];
        await using var byStartupKey = MicroApp.CreateBuilder(startup).Build();
        await using var webStartup = WebApplication.CreateBuilder(startup).Build();
        Assert.Equal(
            webStartup.Services.GetRequiredService<IOptions<HostOptions>>().Value.StartupTimeout,
            byStartupKey.Services.GetRequiredService<IOptions<HostOptions>>().Value.StartupTimeout);
    }

    [Fact]
    public async Task A_builder_builds_once_and_its_services_cannot_change_after_as_on_ASP_NET_Core()
    {
        var micro = MicroApp.CreateBuilder(["--contentRoot", _root]);
        await using var app = micro.Build();
        var web = WebApplication.CreateBuilder(["--contentRoot", _root]);
        await using var webApp = web.Build();

        Assert.Equal("Build can only be called once.", Assert.Throws<InvalidOperationException>(micro.Build).Message);
        Assert.Throws<InvalidOperationException>(web.Build); // there, in other words: its services are read-only
        var late = Assert.Throws<InvalidOperationException>(() => micro.Services.AddSingleton<Resource>());
        Assert.Equal(Assert.Throws<InvalidOperationException>(() => web.Services.AddSingleton<Resource>()).Message, late.Message);
    }

    private sealed class GreetingOptions
    {
        public string Text { get; set; } = "";
    }

    [Fact]
    public async Task A_changed_file_reaches_configuration_options_and_log_levels_without_a_restart()
    {
        Write("appsettings.json", """{ "Greeting": { "Text": "first" }, "Logging": { "LogLevel": { "Default": "Warning" } } }""");
        var builder = MicroApp.CreateBuilder(["--contentRoot", _root]);
        builder.Services.Configure<GreetingOptions>(builder.Configuration.GetSection("Greeting"));
        await using var app = builder.Build();
        app.Get("/greeting", (req, res) => res.Send(req.Services.GetRequiredService<IOptionsMonitor<GreetingOptions>>().CurrentValue.Text));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Orders");
        var greeting = app.Services.GetRequiredService<IOptionsMonitor<GreetingOptions>>();
        Assert.False(logger.IsEnabled(LogLevel.Information));

        // Signalled by the log filter's monitor after the logger factory's own listener has refreshed the levels.
        using var changed = new SemaphoreSlim(0);
        using var filterChanges = app.Services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>().OnChange(_ => changed.Release());
        Write("appsettings.json", """{ "Greeting": { "Text": "second" }, "Logging": { "LogLevel": { "Default": "Information" } } }""");
        while (!(logger.IsEnabled(LogLevel.Information) && greeting.CurrentValue.Text == "second"))
        {
            Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(30)), "appsettings.json was rewritten and no reload came");
        }
        Assert.Equal("second", app.Configuration!["Greeting:Text"]);
        await TestApp.RunAsync(app, async (client, _) => Assert.Equal("second", await client.GetStringAsync("/greeting")));
    }

    [Fact]
    public async Task Development_reads_the_apps_user_secrets_and_no_other_environment_does()
    {
        // This test assembly has a UserSecretsId (Micro.Tests.csproj), so `dotnet user-secrets set` would write here.
        var secrets = PathHelper.GetSecretsPathFromSecretsId(UserSecretsId);
        Directory.CreateDirectory(Path.GetDirectoryName(secrets)!);
        await File.WriteAllTextAsync(secrets, """{ "Jwt": { "SigningKey": "from user secrets" } }""");
        try
        {
            string[] development = ["--environment", "Development", "--applicationName", "Micro.Tests", "--contentRoot", _root];
            await using var app = MicroApp.CreateBuilder(development).Build();
            Assert.Equal("from user secrets", app.Configuration!["Jwt:SigningKey"]);
            await using var aspNetCoreApp = WebApplication.CreateBuilder(development).Build();
            Assert.Equal(aspNetCoreApp.Configuration["Jwt:SigningKey"], app.Configuration["Jwt:SigningKey"]);

            await using var production = MicroApp.CreateBuilder(["--applicationName", "Micro.Tests", "--contentRoot", _root]).Build();
            Assert.Null(production.Configuration!["Jwt:SigningKey"]);
            // An application name that names no assembly has no secrets, and is no error.
            await using var unknown = MicroApp.CreateBuilder(["--environment", "Development", "--applicationName", "No.Such.App", "--contentRoot", _root]).Build();
            Assert.Null(unknown.Configuration!["Jwt:SigningKey"]);
        }
        finally
        {
            File.Delete(secrets);
        }
    }

    private static string UserSecretsId =>
        typeof(BuilderConfigurationTests).Assembly.GetCustomAttributes(typeof(UserSecretsIdAttribute), false).Cast<UserSecretsIdAttribute>().Single().UserSecretsId;

    private sealed class Resource : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    [Fact]
    public async Task Disposing_a_started_app_stops_it_and_releases_its_services_once()
    {
        var builder = MicroApp.CreateBuilder(["--contentRoot", _root, "--urls", "http://127.0.0.1:0"]);
        builder.Services.AddSingleton<Resource>();
        var app = builder.Build();
        var resource = app.Services.GetRequiredService<Resource>();
        var stopped = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped;
        app.Get("/", (req, res) => res.Send("up"));
        app.Start();
        var address = app.EndPoints[0];
        using (var client = new HttpClient { BaseAddress = new Uri($"http://{address}") })
        {
            Assert.Equal("up", await client.GetStringAsync("/"));
        }

        await app.DisposeAsync();
        Assert.True(resource.Disposed);
        Assert.True(stopped.IsCancellationRequested);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(address));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await app.DisposeAsync(); // a second time does nothing
    }

    [Fact]
    public async Task A_built_app_has_its_builders_environment_a_logger_named_after_it_and_the_lifetime_its_services_give()
    {
        var log = new RecordingLoggerProvider();
        var webRoot = Directory.CreateDirectory(Path.Combine(_root, "wwwroot")).FullName;
        var builder = MicroApp.CreateBuilder(["--environment", "Development", "--applicationName", "Orders", "--contentRoot", _root]);
        builder.Logging.AddProvider(log);
        await using var app = builder.Build();
        Assert.True(app.Environment.IsDevelopment());
        Assert.Same(builder.Environment, app.Environment);
        Assert.Equal(webRoot, app.Environment.WebRootPath); // the folder is there (in the test before, it is not: null, as on ASP.NET Core)
        Assert.Same(app.Services.GetRequiredService<IHostApplicationLifetime>(), app.Lifetime);
        app.Logger.LogWarning("Orders ready");
        Assert.Contains(log.Entries, entry => entry is { Category: "Orders", Message: "Orders ready", Level: LogLevel.Warning });
    }

    [Fact]
    public async Task An_app_made_without_a_builder_has_an_environment_from_its_arguments_and_a_lifetime_that_follows_it()
    {
        var log = new RecordingLoggerProvider();
        using var logging = LoggerFactory.Create(logging => logging.AddProvider(log));
        var app = new MicroApp(["--environment", "Staging", "--urls", "http://127.0.0.1:0"], logging);
        Assert.True(app.Environment.IsStaging());
        app.Logger.LogWarning("plain");
        Assert.Contains(log.Entries, entry => entry is { Message: "plain", Level: LogLevel.Warning });
        Assert.Equal("Production", new MicroApp().Environment.EnvironmentName); // when nothing says otherwise (this process sets none)

        var steps = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Lifetime.ApplicationStarted.Register(() => { steps.Enqueue("started"); started.SetResult(); });
        app.Lifetime.ApplicationStopping.Register(() => steps.Enqueue("stopping"));
        app.Lifetime.ApplicationStopped.Register(() => steps.Enqueue("stopped"));
        app.Get("/", (req, res) => res.Send("up"));
        var running = app.RunAsync();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var client = new HttpClient { BaseAddress = new Uri($"http://{app.EndPoints[0]}") })
        {
            Assert.Equal("up", await client.GetStringAsync("/"));
        }
        app.Lifetime.StopApplication(); // as SIGTERM
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["started", "stopping", "stopped"], steps);
    }

    private static IEnumerable<JsonConfigurationSource> JsonSources(IConfigurationBuilder configuration) =>
        configuration.Sources.OfType<JsonConfigurationSource>();
}
