using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Micro.Tests.Deployment;

/// <summary>
/// Debian's HAProxy, started for one test with the repository's deploy/haproxy/haproxy.cfg: its servers, bind lines
/// and certificate are swapped for the test's, and <c>maxconn</c> lowered (50,000 needs a descriptor limit of 100,018,
/// above this sandbox's); the rest is the file as users copy it. As a daemon: the command returns once it has bound.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class HaproxyProcess(DirectoryInfo directory, int port, X509Certificate2 certificate, string said)
    : ReverseProxy(directory, port, certificate)
{
    private readonly Process _daemon = Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(directory.FullName, "haproxy.pid")).Trim()));

    public override string Log => said;

    public static async Task<HaproxyProcess> StartAsync(IReadOnlyList<IPEndPoint> upstreams, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists("/usr/sbin/haproxy"), "HAProxy is not installed (Debian's haproxy; scripts/test.sh installs it)");
        var directory = Directory.CreateTempSubdirectory("micro-haproxy-");
        var certificate = ProxyFiles.WriteCertificate(directory.FullName);
        var pem = Path.Combine(directory.FullName, "both.pem");
        File.WriteAllText(pem, File.ReadAllText(Path.Combine(directory.FullName, "certificate.pem")) + "\n" + File.ReadAllText(Path.Combine(directory.FullName, "key.pem")));
        for (var attempt = 0; ; attempt++)
        {
            var port = ProxyFiles.FreePort();
            var configuration = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "haproxy", "haproxy.cfg"));
            configuration = BindLines().Replace(configuration, $"    bind 127.0.0.1:{port} ssl crt {pem} alpn h2,http/1.1\n", 1);
            configuration = BindLines().Replace(configuration, "");
            configuration = ServerLines().Replace(configuration, _ => string.Concat(upstreams.Select((upstream, i) => $"    server micro{i + 1} {upstream}\n")), 1);
            configuration = configuration.Replace("maxconn 50000", "maxconn 4000");
            var file = Path.Combine(directory.FullName, "haproxy.cfg");
            File.WriteAllText(file, configuration);
            var start = new ProcessStartInfo("/usr/sbin/haproxy") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-D", "-p", Path.Combine(directory.FullName, "haproxy.pid"), "-f", file })
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var said = await output + await errors;
            if (process.ExitCode == 0)
            {
                return new HaproxyProcess(directory, port, certificate, said);
            }
            if (!said.Contains("Address already in use") || attempt == 3)
            {
                Assert.Fail($"HAProxy did not start ({process.ExitCode}): {said}");
            }
        }
    }

    protected override void Stop() => Kill(_daemon);

    [GeneratedRegex(@"    bind :+443 .*\n")]
    private static partial Regex BindLines();

    [GeneratedRegex(@"(    server micro\d+ \S+\n)+")]
    private static partial Regex ServerLines();
}
