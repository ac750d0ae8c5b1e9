using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Micro.AspNetCore.Tests.InMicroApps;

/// <summary>
/// ASP.NET Core middleware take services its web host offers (the environment, a diagnostic listener, a meter
/// factory): a Micro app built by MicroApp.CreateBuilder offers them too, so the exception handler, the developer
/// exception page, static files, W3C logging and routing build and run in front of Micro's routes, where each failed
/// at the app's start with "Unable to resolve service".
/// </summary>
public sealed class HostServicesTests
{
    [Fact]
    public async Task The_exception_handler_answers_a_routes_exception_as_a_problem()
    {
        await using var served = ServedMicroApp.Start(services => services.AddProblemDetails(), app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseExceptionHandler());
            app.Get("/fails", (req, res) => throw new InvalidOperationException("the route failed"));
            app.Get("/fine", (req, res) => res.Send("fine"));
        });
        var failed = await served.Client.GetAsync("/fails");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await failed.Content.ReadAsStringAsync());
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(served.Logs.Entries, entry => entry.Exception?.Message == "the route failed");
        Assert.Equal("fine", await served.Client.GetStringAsync("/fine"));
    }

    [Fact]
    public async Task The_developer_exception_page_static_files_w3c_logging_and_routing_run_in_front_of_the_routes()
    {
        var folder = Directory.CreateTempSubdirectory("micro-host-services-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "hello.txt"), "from static files");
            await using var served = ServedMicroApp.Start(services =>
            {
                services.AddW3CLogging(options => options.LogDirectory = folder.FullName);
                services.AddRouting();
            }, app =>
            {
                app.UseAspNetCore(pipeline => pipeline
                    .UseDeveloperExceptionPage()
                    .UseW3CLogging()
                    .UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder.FullName) })
                    .UseRouting());
                app.Get("/fails", (req, res) => throw new InvalidOperationException("shown to the developer"));
                app.Get("/environment", (req, res) =>
                {
                    var web = req.Services.GetRequiredService<IWebHostEnvironment>();
                    var host = req.Services.GetRequiredService<IHostEnvironment>();
                    res.Send($"{web.EnvironmentName} {ReferenceEquals(web, host)} {web.ContentRootPath == Directory.GetCurrentDirectory()}");
                });
            });
            Assert.Equal("from static files", await served.Client.GetStringAsync("/hello.txt"));
            var failed = await served.Client.GetAsync("/fails");
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Contains("shown to the developer", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var environment = System.Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? System.Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Production;
            Assert.Equal($"{environment} True True", await served.Client.GetStringAsync("/environment"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
