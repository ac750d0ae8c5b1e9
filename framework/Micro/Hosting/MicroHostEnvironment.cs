using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Micro.Hosting;

/// <summary>
/// The app's environment as ASP.NET Core's web host describes one (<see cref="IWebHostEnvironment"/>, which is an
/// <see cref="IHostEnvironment"/>): the services of an app built by <c>MicroApp.CreateBuilder</c> offer it, because
/// ASP.NET Core middleware run in front of Micro's routes take it (the static files, the developer exception page,
/// W3C logging). Its web root is <c>wwwroot</c> under the content root when that folder exists, as on ASP.NET Core.
/// The app's configuration reads its files through the content root's provider, whose watch the app ends with it.
/// </summary>
internal sealed class MicroHostEnvironment : IWebHostEnvironment, IDisposable
{
    public MicroHostEnvironment(HostSettings host)
    {
        EnvironmentName = host.Environment;
        ApplicationName = host.ApplicationName;
        var contentRoot = host.ContentRoot;
        ContentRootPath = contentRoot;
        ContentRootFileProvider = Directory.Exists(contentRoot) ? new PhysicalFileProvider(contentRoot) : new NullFileProvider();
        var webRoot = Path.Combine(contentRoot, "wwwroot");
        // Without the folder, no web root: null, as ASP.NET Core leaves it (the interface says string; middleware check).
        WebRootPath = Directory.Exists(webRoot) ? webRoot : null!;
        WebRootFileProvider = Directory.Exists(webRoot) ? new PhysicalFileProvider(webRoot) : new NullFileProvider();
    }

    public string EnvironmentName { get; set; }

    public string ApplicationName { get; set; }

    public string ContentRootPath { get; set; }

    public IFileProvider ContentRootFileProvider { get; set; }

    public string WebRootPath { get; set; }

    public IFileProvider WebRootFileProvider { get; set; }

    public void Dispose()
    {
        (ContentRootFileProvider as IDisposable)?.Dispose();
        (WebRootFileProvider as IDisposable)?.Dispose();
    }
}
