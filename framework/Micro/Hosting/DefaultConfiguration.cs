using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Micro.Hosting;

/// <summary>
/// The configuration a builder-made app starts with, in the order and with the behaviour of ASP.NET Core's
/// WebApplicationBuilder (.NET 10), so that an app moved from minimal APIs reads the same values from the same places.
/// First the host's settings: environment variables prefixed <c>ASPNETCORE_</c>, then <c>DOTNET_</c>, then the command
/// line (so <c>--environment Staging</c>, <c>--contentRoot</c>, <c>--applicationName</c> and
/// <c>DOTNET_ENVIRONMENT</c> all work, a later source winning). Then the app's: appsettings.json,
/// appsettings.{Environment}.json, {ApplicationName}.settings.json and its environment's file, the user secrets of the
/// app's assembly in Development, every environment variable, the command line again. The files are read again when
/// they change (setting <c>hostBuilder:reloadConfigOnChange</c> to false stops that, as on ASP.NET Core: each watch is an
/// inotify instance, of which a user has 128 by default).
/// </summary>
internal static class DefaultConfiguration
{
    private const string ReloadKey = "hostBuilder:reloadConfigOnChange";

    /// <summary>Adds the host's sources and reads from them what the app's sources depend on.</summary>
    public static HostSettings AddHostSources(ConfigurationManager configuration, string[] args)
    {
        configuration.AddEnvironmentVariables(prefix: "ASPNETCORE_");
        configuration.AddEnvironmentVariables(prefix: "DOTNET_");
        if (args.Length > 0)
        {
            configuration.AddCommandLine(args);
        }
        var environment = NonEmpty(configuration["environment"]) ?? "Production";
        var contentRoot = ContentRoot(NonEmpty(configuration["contentRoot"]));
        var applicationName = NonEmpty(configuration["applicationName"]) ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "";
        return new HostSettings(environment, contentRoot, applicationName, ReloadOnChange(configuration));
    }

    /// <summary>The host's settings of an app made without a builder (<c>new MicroApp(args)</c>): its environment, when asked.</summary>
    public static HostSettings HostSettingsOf(string[] args)
    {
        using var configuration = new ConfigurationManager();
        return AddHostSources(configuration, args);
    }

    /// <summary>Adds the app's sources, its files read through <paramref name="contentRoot"/> (the content root's provider).</summary>
    public static void AddAppSources(ConfigurationManager configuration, HostSettings host, Microsoft.Extensions.FileProviders.IFileProvider contentRoot, string[] args)
    {
        configuration.SetFileProvider(contentRoot);
        var reload = host.ReloadOnChange;
        configuration
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: reload)
            .AddJsonFile($"appsettings.{host.Environment}.json", optional: true, reloadOnChange: reload);
        if (host.ApplicationName.Length > 0)
        {
            configuration
                .AddJsonFile($"{host.ApplicationName}.settings.json", optional: true, reloadOnChange: reload)
                .AddJsonFile($"{host.ApplicationName}.settings.{host.Environment}.json", optional: true, reloadOnChange: reload);
        }
        if (host.Environment == "Development" && AppAssembly(host.ApplicationName) is { } assembly)
        {
            // Kept outside the project (dotnet user-secrets set): an assembly without a UserSecretsId adds nothing.
            configuration.AddUserSecrets(assembly, optional: true, reloadOnChange: reload);
        }
        configuration.AddEnvironmentVariables();
        if (args.Length > 0)
        {
            configuration.AddCommandLine(args);
        }
    }

    /// <summary>
    /// The current directory unless set; a relative path is taken from the app's own folder, as ASP.NET Core takes it.
    /// A folder that is not there fails the start, as on ASP.NET Core: a mistyped root would otherwise run the app
    /// without its appsettings.json, silently.
    /// </summary>
    private static string ContentRoot(string? configured)
    {
        var contentRoot = configured is null ? Directory.GetCurrentDirectory() : Path.GetFullPath(configured, AppContext.BaseDirectory);
        return Directory.Exists(contentRoot)
            ? contentRoot
            : throw new DirectoryNotFoundException(
                $"The content root '{contentRoot}' (from --contentRoot, DOTNET_CONTENTROOT or ASPNETCORE_CONTENTROOT) is not a directory.");
    }

    /// <summary>
    /// The generic host's own keys, as it reads them into <see cref="Microsoft.Extensions.Hosting.HostOptions"/>:
    /// <c>shutdownTimeoutSeconds</c> and <c>startupTimeoutSeconds</c> (whole seconds; a value that is not one is named).
    /// </summary>
    public static void ReadHostOptions(Microsoft.Extensions.Hosting.HostOptions host, IConfiguration configuration)
    {
        if (Seconds(configuration, "shutdownTimeoutSeconds") is { } shutdown)
        {
            host.ShutdownTimeout = shutdown;
        }
        if (Seconds(configuration, "startupTimeoutSeconds") is { } startup)
        {
            host.StartupTimeout = startup;
        }
    }

    private static TimeSpan? Seconds(IConfiguration configuration, string key) => configuration[key] switch
    {
        null => null,
        var value when int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) => TimeSpan.FromSeconds(seconds),
        var value => throw new InvalidOperationException($"The configuration value '{key}' is \"{value}\", which is not a whole number of seconds."),
    };

    private static bool ReloadOnChange(IConfiguration configuration)
    {
        var value = configuration[ReloadKey];
        if (value is null)
        {
            return true;
        }
        return bool.TryParse(value, out var reload)
            ? reload
            : throw new InvalidOperationException($"The configuration value '{ReloadKey}' is \"{value}\", which is not true or false.");
    }

    private static Assembly? AppAssembly(string applicationName)
    {
        if (applicationName.Length == 0)
        {
            return null;
        }
        try
        {
            return Assembly.Load(new AssemblyName(applicationName));
        }
        catch (FileNotFoundException)
        {
            return null; // an application name that names no assembly has no secrets, as on ASP.NET Core
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>What the host's settings say: the environment, where the app's files are, its name, whether files are watched.</summary>
internal readonly record struct HostSettings(string Environment, string ContentRoot, string ApplicationName, bool ReloadOnChange);
