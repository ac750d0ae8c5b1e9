using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Micro.Tests.Deployment;

/// <summary>
/// A reverse proxy from deploy/, running for one test in front of Micro instances, in a temporary directory of its
/// own with a self-signed certificate; disposing it stops the proxy and removes the directory.
/// </summary>
internal abstract class ReverseProxy(DirectoryInfo directory, int port, X509Certificate2 certificate) : IDisposable
{
    /// <summary>Where clients reach it over TLS, on 127.0.0.1.</summary>
    public int Port { get; } = port;

    /// <summary>The certificate it presents, for the client to pin.</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>What it logged, for a failure's message.</summary>
    public abstract string Log { get; }

    protected DirectoryInfo Folder { get; } = directory;

    /// <summary>Stops the proxy's processes.</summary>
    protected abstract void Stop();

    /// <summary>Ends <paramref name="process"/> (and what it started), waiting a while for it.</summary>
    protected static void Kill(Process process)
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
        process.Dispose();
    }

    public void Dispose()
    {
        Stop();
        Certificate.Dispose();
        Folder.Delete(recursive: true);
    }
}

/// <summary>What the proxies' tests share: a self-signed certificate for 127.0.0.1, a free port, a pinned client.</summary>
internal static class ProxyFiles
{
    /// <summary>Writes certificate.pem and key.pem (P-256, for 127.0.0.1 and localhost) into <paramref name="directory"/>.</summary>
    public static X509Certificate2 WriteCertificate(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, "certificate.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    /// <summary>A port free a moment ago: proxies cannot listen on port 0, so their starters retry when it was taken meanwhile.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A client on 127.0.0.2 (so its address differs from the proxy's own), trusting exactly the proxy's certificate.</summary>
    public static HttpClient Client(ReverseProxy proxy, Version version)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == proxy.Certificate.GetCertHashString() },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{proxy.Port}"),
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }
}
