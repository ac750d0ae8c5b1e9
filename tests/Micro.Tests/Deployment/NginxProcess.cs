using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Micro.Tests.Deployment;

/// <summary>
/// Debian's nginx, started for one test with the repository's deploy/nginx/micro.conf: its upstream servers, listen
/// port and certificate are swapped for the test's (a self-signed certificate for 127.0.0.1 made here), the rest is the
/// file as users copy it. nginx cannot listen on port 0, so a free port is picked and, if taken meanwhile, another.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class NginxProcess(DirectoryInfo directory, int port, X509Certificate2 certificate) : ReverseProxy(directory, port, certificate)
{
    private readonly Process _master = Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(directory.FullName, "nginx.pid")).Trim()));

    public override string Log => ErrorLog;

    public string ErrorLog => File.Exists(Path.Combine(Folder.FullName, "error.log")) ? File.ReadAllText(Path.Combine(Folder.FullName, "error.log")) : "";

    public static async Task<NginxProcess> StartAsync(IReadOnlyList<IPEndPoint> upstreams, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists("/usr/sbin/nginx"), "nginx is not installed (Debian's nginx; scripts/test.sh installs it)");
        var directory = Directory.CreateTempSubdirectory("micro-nginx-");
        // nginx's workers run as nobody when it starts as root: they must reach the directory and its temporary files.
        File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var certificate = ProxyFiles.WriteCertificate(directory.FullName);
        for (var attempt = 0; ; attempt++)
        {
            var port = ProxyFiles.FreePort();
            WriteConfiguration(directory.FullName, port, upstreams);
            // As a daemon: the command returns once the configuration is read and the port bound (exit 0), or has failed.
            var (exitCode, errors) = await RunAsync(directory.FullName, [], cancellationToken);
            if (exitCode == 0)
            {
                return new NginxProcess(directory, port, certificate);
            }
            if (!errors.Contains("Address already in use") || attempt == 3)
            {
                Assert.Fail($"nginx did not start ({exitCode}): {errors}");
            }
        }
    }

    private static async Task<(int ExitCode, string Errors)> RunAsync(string directory, string[] extra, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/sbin/nginx") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-e", Path.Combine(directory, "error.log"), "-p", directory, "-c", Path.Combine(directory, "nginx.conf") }.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await errors);
    }

    private static void WriteConfiguration(string directory, int port, IReadOnlyList<IPEndPoint> upstreams)
    {
        var site = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "nginx", "micro.conf"));
        site = UpstreamServers().Replace(site, _ => string.Concat(upstreams.Select(upstream => $"    server {upstream};\n")), 1);
        site = ListenLines().Replace(site, $"    listen 127.0.0.1:{port} ssl http2;\n", 1);
        site = ListenLines().Replace(site, "");
        site = site.Replace("/etc/ssl/certs/example.com.pem", Path.Combine(directory, "certificate.pem"))
            .Replace("/etc/ssl/private/example.com.key", Path.Combine(directory, "key.pem"));
        File.WriteAllText(Path.Combine(directory, "micro.conf"), site);
        foreach (var temporary in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Directory.CreateDirectory(Path.Combine(directory, temporary));
            File.SetUnixFileMode(Path.Combine(directory, temporary), (UnixFileMode)0b111_111_111);
        }
        File.WriteAllText(Path.Combine(directory, "nginx.conf"), $$"""
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                include {{directory}}/micro.conf;
            }
            """);
    }

    protected override void Stop()
    {
        RunAsync(Folder.FullName, ["-s", "stop"], CancellationToken.None).GetAwaiter().GetResult();
        Kill(_master); // gone already after the stop, unless it hung
    }

    [GeneratedRegex(@"(    server 127\.0\.0\.1:\d+;\n)+")]
    private static partial Regex UpstreamServers();

    [GeneratedRegex(@"    listen .*443 ssl http2;\n")]
    private static partial Regex ListenLines();
}
