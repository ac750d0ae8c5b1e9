using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Micro.Tests.Deployment;

/// <summary>
/// Debian's Caddy, started for one test with the repository's deploy/caddy/Caddyfile: the site's name becomes
/// https://127.0.0.1:port with the test's certificate (no ACME on a closed network), the upstreams the test's, and
/// global options keep it to itself (no admin endpoint, no redirect listener on port 80); the rest is the file as
/// users copy it. Ready when it says it serves its configuration.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class CaddyProcess(DirectoryInfo directory, Process process, System.Text.StringBuilder log, int port, X509Certificate2 certificate)
    : ReverseProxy(directory, port, certificate)
{
    public override string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static async Task<CaddyProcess> StartAsync(IReadOnlyList<IPEndPoint> upstreams, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("micro-caddy-");
        var certificate = ProxyFiles.WriteCertificate(directory.FullName);
        for (var attempt = 0; ; attempt++)
        {
            var port = ProxyFiles.FreePort();
            var site = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "caddy", "Caddyfile"));
            site = SiteName().Replace(site, $"https://127.0.0.1:{port} {{\n\ttls {directory.FullName}/certificate.pem {directory.FullName}/key.pem\n", 1);
            site = Upstreams().Replace(site, $"reverse_proxy {string.Join(' ', upstreams)} {{", 1);
            var file = Path.Combine(directory.FullName, "Caddyfile");
            File.WriteAllText(file, "{\n\tadmin off\n\tauto_https disable_redirects\n}\n" + site);
            var start = new ProcessStartInfo("caddy") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "run", "--adapter", "caddyfile", "--config", file })
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var variable in new[] { "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME" })
            {
                start.Environment[variable] = directory.FullName;
            }
            var log = new System.Text.StringBuilder();
            var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            DataReceivedEventHandler collect = (_, line) =>
            {
                if (line.Data is null)
                {
                    return;
                }
                lock (log)
                {
                    log.AppendLine(line.Data);
                }
                if (line.Data.Contains("serving initial configuration"))
                {
                    ready.TrySetResult(true);
                }
            };
            process.OutputDataReceived += collect;
            process.ErrorDataReceived += collect;
            process.Exited += (_, _) => ready.TrySetResult(false);
            Assert.True(process.Start(), "caddy did not start (Debian's caddy; scripts/test.sh installs it)");
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await ready.Task.WaitAsync(cancellationToken))
            {
                return new CaddyProcess(directory, process, log, port, certificate);
            }
            await process.WaitForExitAsync(cancellationToken);
            var (exitCode, said) = (process.ExitCode, log.ToString());
            process.Dispose();
            if (!said.Contains("address already in use") || attempt == 3)
            {
                Assert.Fail($"Caddy did not start ({exitCode}): {said}");
            }
        }
    }

    protected override void Stop() => Kill(process);

    [GeneratedRegex(@"(?m)^example\.com \{\n")]
    private static partial Regex SiteName();

    [GeneratedRegex(@"reverse_proxy [^{]*\{")]
    private static partial Regex Upstreams();
}
