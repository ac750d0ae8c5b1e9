using System.Text.RegularExpressions;
using Micro.Tests.Shared;

namespace Micro.Tests.Deployment;

/// <summary>
/// Issue 14: the deployment files are exercised as far as this machine allows. Images cannot be built here, so the
/// TechEmpower app runs under its Dockerfile's settings (its user, port, environment, entry point, health check and
/// stop signal) in a private network namespace, where port 8080 on every address is the test's own; the systemd units
/// pass systemd-analyze verify, the HAProxy and Caddy configurations their own checks; the Kubernetes manifest agrees
/// with the image and with Micro's shutdown.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class DeploymentFilesTests
{
    private static string RepositoryFile(params string[] parts) => Path.Combine([Repository.Root, .. parts]);

    [Fact]
    public async Task The_techempower_app_serves_under_its_dockerfiles_user_port_environment_health_check_and_stop_signal()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var runtime = Dockerfile.RuntimeStage(File.ReadAllText(RepositoryFile("examples", "TechEmpower", "Dockerfile")));
        Assert.Equal("$APP_UID", runtime.User);       // the .NET images' unprivileged "app" user: uid 1654
        Assert.Equal("SIGTERM", runtime.StopSignal);
        Assert.Equal("8080", runtime.Expose);
        Assert.Equal("8080", runtime.Environment["ASPNETCORE_HTTP_PORTS"]);

        using var network = await NetworkNamespace.CreateAsync([], deadline.Token);
        var data = Directory.CreateTempSubdirectory("micro-docker-data-");
        try
        {
            // /app/data as the image makes it: owned by the app user, who may write only there.
            File.SetUnixFileMode(data.FullName, (UnixFileMode)0b111_101_101);
            await RunAsync("chown", ["1654", data.FullName], deadline.Token);
            var built = Path.GetDirectoryName(BuiltApps.TechEmpower)!;
            string[] AsInTheImage(IEnumerable<string> command) =>
                [.. command.Select(part => part.Replace("/app/data", data.FullName)).Select(part => part.EndsWith(".dll") ? Path.Combine(built, part) : part)];
            // The container's environment is the image's: nothing of this process's (scripts/test.sh sets POSTGRES_CONNECTION).
            var environment = new Dictionary<string, string>(runtime.Environment) { ["HOME"] = data.FullName, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["POSTGRES_CONNECTION"] = "" };
            string[] asAppUser = [.. network.Launcher, "setpriv", "--reuid=1654", "--regid=1654", "--clear-groups", "--"];

            var entryPoint = AsInTheImage(runtime.EntryPoint);
            Assert.Equal("dotnet", entryPoint[0]);
            using var app = await ServedProcess.StartAsync(entryPoint[1], deadline.Token, entryPoint[2..], environment: environment, launcher: asAppUser, portZero: false);
            Assert.Matches(@"listening on http://(\[::\]|0\.0\.0\.0):8080", app.Banner); // every address: both families where there is IPv6

            using var handler = new SocketsHttpHandler { ConnectCallback = async (context, token) => await ConnectInsideAsync(network, token) };
            using var client = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:8080") };
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext", deadline.Token));
            Assert.Equal("Healthy", await client.GetStringAsync("/healthz", deadline.Token));

            var healthCheck = AsInTheImage(runtime.HealthCheck);
            var (exitCode, output) = await RunAsync(asAppUser[0], [.. asAppUser[1..], .. healthCheck], deadline.Token, environment);
            Assert.True(exitCode == 0, $"the HEALTHCHECK command failed ({exitCode}): {output}");
            Assert.Equal("1654", (await File.ReadAllTextAsync($"/proc/{app.Id}/status", deadline.Token)).Split('\n').First(line => line.StartsWith("Uid:")).Split('\t')[1]);

            await app.StopWithSigtermAsync(deadline.Token); // STOPSIGNAL: a graceful stop, exit code 0
            var (unhealthy, reason) = await RunAsync(asAppUser[0], [.. asAppUser[1..], .. healthCheck], deadline.Token, environment);
            Assert.True(unhealthy == 1, $"the HEALTHCHECK command said {unhealthy} with no app: {reason}");
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_systemd_units_pass_systemd_analyze_verify()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var directory = Directory.CreateTempSubdirectory("micro-units-");
        try
        {
            foreach (var unit in Directory.GetFiles(RepositoryFile("deploy", "systemd")))
            {
                // verify checks that ExecStart's program exists: the .NET SDK's dotnet may live elsewhere on this machine.
                var text = File.ReadAllText(unit).Replace("ExecStart=/usr/bin/dotnet ", $"ExecStart={DotnetPath()} ");
                File.WriteAllText(Path.Combine(directory.FullName, Path.GetFileName(unit)), text);
            }
            var (exitCode, output) = await RunAsync("systemd-analyze", ["verify", .. Directory.GetFiles(directory.FullName).Order()], deadline.Token);
            Assert.True(exitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify ({exitCode}):\n{output}");
            var service = File.ReadAllText(RepositoryFile("deploy", "systemd", "micro-app.service"));
            Assert.Contains("Requires=micro-app.socket", service);
            Assert.True(int.Parse(StopTimeout().Match(service).Groups[1].Value) > 30, "TimeoutStopSec must exceed Micro's ShutdownTimeout (30 s)");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_haproxy_and_caddy_configurations_are_valid_for_their_debian_packages()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var directory = Directory.CreateTempSubdirectory("micro-proxies-");
        try
        {
            // HAProxy reads the certificate while checking: a self-signed one stands in for the file the config names.
            using var key = System.Security.Cryptography.ECDsa.Create();
            using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=example.com", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
            var pem = Path.Combine(directory.FullName, "example.com.pem");
            await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem(), deadline.Token);
            var haproxy = Path.Combine(directory.FullName, "haproxy.cfg");
            await File.WriteAllTextAsync(haproxy, File.ReadAllText(RepositoryFile("deploy", "haproxy", "haproxy.cfg")).Replace("/etc/haproxy/certs/example.com.pem", pem), deadline.Token);
            var (haproxyExit, haproxyOutput) = await RunAsync("/usr/sbin/haproxy", ["-c", "-f", haproxy], deadline.Token);
            Assert.True(haproxyExit == 0, $"haproxy -c ({haproxyExit}):\n{haproxyOutput}");

            var (caddyExit, caddyOutput) = await RunAsync("caddy", ["validate", "--adapter", "caddyfile", "--config", RepositoryFile("deploy", "caddy", "Caddyfile")], deadline.Token,
                new Dictionary<string, string> { ["HOME"] = directory.FullName, ["XDG_DATA_HOME"] = directory.FullName, ["XDG_CONFIG_HOME"] = directory.FullName });
            Assert.True(caddyExit == 0 && caddyOutput.Contains("Valid configuration"), $"caddy validate ({caddyExit}):\n{caddyOutput}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_kubernetes_manifest_agrees_with_the_image_and_with_micros_shutdown()
    {
        var manifest = File.ReadAllText(RepositoryFile("deploy", "kubernetes", "micro-app.yaml"));
        var template = Dockerfile.RuntimeStage(File.ReadAllText(RepositoryFile("examples", "Micro.Templates", "content", "MicroApi", "Dockerfile")));
        var routes = File.ReadAllText(RepositoryFile("examples", "Micro.Templates", "content", "MicroApi", "MicroApi", "Routes.cs"));
        Assert.Contains($"containerPort: {template.Expose}", manifest);
        Assert.Contains("runAsUser: 1654", manifest);
        Assert.Equal("$APP_UID", template.User);
        // Every probe asks the health endpoint the template maps, on the port the image listens on.
        var probedPaths = ProbePath().Matches(manifest).Select(match => match.Groups[1].Value).ToArray();
        Assert.Equal(3, probedPaths.Length);
        Assert.All(probedPaths, path => Assert.Contains($"app.MapHealth(\"{path}\")", routes));
        var grace = int.Parse(GracePeriod().Match(manifest).Groups[1].Value);
        var preStop = int.Parse(PreStopSleep().Match(manifest).Groups[1].Value);
        Assert.True(grace > preStop + new Micro.Hosting.MicroServerOptions().ShutdownTimeout.TotalSeconds, "the kubelet would kill before Micro's graceful stop could end");
        Assert.Matches(@"limits:\s+cpu: ""\d+""", manifest); // whole CPUs: the reactor count follows the limit
    }

    private static async Task<Stream> ConnectInsideAsync(NetworkNamespace network, CancellationToken cancellationToken)
    {
        var socket = network.CreateSocket();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 8080), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string DotnetPath() => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
        ? path
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(directory => Path.Combine(directory, "dotnet")).First(File.Exists);

    private static async Task<(int ExitCode, string Output)> RunAsync(string command, IEnumerable<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex(@"TimeoutStopSec=(\d+)")]
    private static partial Regex StopTimeout();

    [GeneratedRegex(@"path: (/\S+)")]
    private static partial Regex ProbePath();

    [GeneratedRegex(@"terminationGracePeriodSeconds: (\d+)")]
    private static partial Regex GracePeriod();

    [GeneratedRegex(@"preStop:[\s\S]*?seconds: (\d+)")]
    private static partial Regex PreStopSleep();
}
