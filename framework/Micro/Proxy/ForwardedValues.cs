using System.Net;

namespace Micro.Proxy;

/// <summary>What trusted proxies said about the client: its address, the scheme it used, the host it asked for.</summary>
internal sealed record ForwardedValues(IPEndPoint? Client, string? Scheme, string? Host) : IForwardedClient;
