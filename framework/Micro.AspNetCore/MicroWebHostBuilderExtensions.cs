using Micro.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.AspNetCore;

/// <summary>Hosts an ASP.NET Core application on Micro's engine instead of Kestrel.</summary>
public static class MicroWebHostBuilderExtensions
{
    /// <summary>
    /// Serves the application with Micro (<c>builder.WebHost.UseMicro()</c>): the settings the app gave Kestrel where
    /// they differ from Kestrel's defaults (<see cref="KestrelSettings"/>), then the <c>Micro</c> configuration section,
    /// then <paramref name="configure"/>. Addresses come from the host (urls,
    /// ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS), plain http only.
    /// </summary>
    public static Microsoft.AspNetCore.Hosting.IWebHostBuilder UseMicro(this Microsoft.AspNetCore.Hosting.IWebHostBuilder builder, Action<MicroServerHostOptions>? configure = null)
    {
        return builder.ConfigureServices((context, services) =>
        {
            services.AddSingleton<IServer, MicroAspNetCoreServer>();
            services.AddOptions<MicroServerHostOptions>().Configure<IServiceProvider>((options, provider) =>
            {
                if (provider.GetService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>() is { } kestrel)
                {
                    KestrelSettings.Apply(kestrel.Value, options); // what the app gave Kestrel, first: Micro's own settings win
                }
                var section = context.Configuration.GetSection("Micro");
                section.BindServerOptions(options.Server);
                section.Bind(options);
                configure?.Invoke(options);
            });
        });
    }
}
