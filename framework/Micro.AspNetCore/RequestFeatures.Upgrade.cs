using System.Text;
using Micro.Parser;
using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// IHttpUpgradeFeature: the connection becomes an opaque stream (<see cref="UpgradedStream"/>) after a 101, which
/// is all ASP.NET Core's WebSocket middleware (and through it SignalR) needs. The request outlives its exchange: its
/// headers are read before the switch, and RequestAborted follows the connection, not the switch (an upgradable
/// request gets a token of its own, cancelled when the connection closes before or after the switch).
/// IHttpExtendedConnectFeature is here as on Kestrel's HTTP/1.1 connections, where no request is an extended CONNECT
/// (RFC 8441 is HTTP/2's): code that asks for it without a null check finds it, and is told no.
/// </summary>
internal abstract partial class RequestFeatures : IHttpUpgradeFeature, IHttpExtendedConnectFeature
{
    private CancellationTokenSource? _upgradeAborted;
    private CancellationTokenRegistration _connectionAborted;
    private UpgradedStream? _upgraded;
    private bool _switched; // the 101 went out and the stream took over: set on the reactor before the app's await of the switch completes

    /// <summary>Kestrel's connection metrics, which count the connections that switched (none where nothing keeps them).</summary>
    protected abstract KestrelMetrics? Metrics { get; }

    /// <summary>At the start of an upgradable request: RequestAborted becomes a token that survives the switch.</summary>
    private void StartUpgradable(HttpExchange exchange)
    {
        if (!IsUpgradableRequest)
        {
            return;
        }
        var connectionAborted = _aborted; // the connection's, as Start took it
        _upgradeAborted = new CancellationTokenSource();
        TakeAborted(_upgradeAborted.Token);
        _connectionAborted = connectionAborted.UnsafeRegister(static state => ((RequestFeatures)state!).ConnectionAbortedBeforeSwitch(), this);
    }

    private void ConnectionAbortedBeforeSwitch()
    {
        _upgradeAborted?.Cancel();
        _upgraded?.Abandon(); // the client left before the switch: the app's reads end
    }

    private void ResetUpgrade()
    {
        _connectionAborted.Dispose();
        _connectionAborted = default;
        if (!_switched)
        {
            _upgradeAborted?.Dispose(); // after a switch the stream keeps it, to cancel when its connection ends (no timer, no handle: nothing to free)
        }
        _upgradeAborted = null;
        _upgraded = null;
        _switched = false;
    }

    /// <summary>
    /// App side, once the app has completed a request it switched: the 101 was its response, and the exchange went
    /// back at the switch (its side of the run let go there), so nothing is left for the reactor: a finish posted
    /// now could run after this run serves another request. The upgraded connection ends with the app, as on Kestrel.
    /// </summary>
    private bool EndIfSwitched()
    {
        if (!_switched)
        {
            return false;
        }
        _responseWriter.Release();
        _upgraded?.Dispose(); // closes the connection after what was written (a second dispose, after the app's own, does nothing more)
        return true;
    }

    /// <summary>
    /// Connection: Upgrade, an Upgrade header, a connection kept open, and no body: what a body's bytes would be, once
    /// the connection switched, would be read as the new protocol's first frames, so a request with one is not
    /// upgradable, as on Kestrel (the WebSocket middleware says it is no WebSocket request).
    /// </summary>
    public bool IsUpgradableRequest => Exchange is { } exchange && exchange.Head.ConnectionUpgrade && exchange.Head.KeepAlive
        && exchange.Head.Framing == BodyFraming.None && exchange.Head.TryGetHeader(exchange.RequestBytes, "Upgrade", out _);

    bool IHttpExtendedConnectFeature.IsExtendedConnect => false;

    string? IHttpExtendedConnectFeature.Protocol => null;

    ValueTask<Stream> IHttpExtendedConnectFeature.AcceptAsync() => throw new InvalidOperationException(
        "Cannot accept a non-CONNECT request. Check IHttpExtendedConnectFeature.IsExtendedConnect to determine if the request can be accepted.");

    public async Task<Stream> UpgradeAsync()
    {
        if (_upgradeAborted is null)
        {
            throw new InvalidOperationException("This request cannot be upgraded: it asks for no upgrade (Connection: Upgrade and an Upgrade header).");
        }
        if (_started)
        {
            throw new InvalidOperationException("The response has already started; the request cannot be upgraded.");
        }
        StatusCode = StatusCodes.Status101SwitchingProtocols; // not started: checked above
        ReasonPhrase = "Switching Protocols";
        if (!ResponseHeaders.ContainsKey(HeaderNames.Connection))
        {
            ResponseHeaders[HeaderNames.Connection] = "Upgrade";
        }
        MarkStarted();
        if (!_onStartingRan)
        {
            await RunOnStartingAsync().ConfigureAwait(true);
        }
        ReadRequestHeadersNow(); // the exchange goes back to its connection at the switch
        // The stream cancels this request's token when its connection ends, which may be after this run serves
        // another request: it holds the token's source, not the run.
        var aborted = _upgradeAborted;
        var upgraded = new UpgradedStream(Reactor, () => aborted.Cancel(), Metrics);
        _upgraded = upgraded;
        await CallOnReactorAsync(static features =>
        {
            var exchange = features.Exchange!;
            var stream = features._upgraded!;
            if (exchange.RequestAborted.IsCancellationRequested)
            {
                stream.Abandon();
                return;
            }
            features.FixHead();
            exchange.SwitchProtocols(features.UpgradeHead(), handover =>
            {
                features._connectionAborted.Dispose(); // the switch ends HTTP on the connection: from now on, the stream says when it closes
                return stream.Attach(handover);
            });
            features._requestStream.Reset();
            features._switched = true;
            features.ReleaseExchange();
            features.OnExchangeDone(); // the connection moves on: the 101 goes out, then the stream takes over
        }).ConfigureAwait(true);
        return upgraded;
    }

    /// <summary>The 101 response's head: the status line and the headers the app set (Upgrade, Sec-WebSocket-Accept, Connection).</summary>
    private byte[] UpgradeHead()
    {
        var head = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\n");
        foreach (var (name, values) in ResponseHeaders)
        {
            foreach (var value in values)
            {
                ResponseHeaders_Validate(name, value);
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }
        return Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()); // every name and value checked ASCII above
    }

    private static void ResponseHeaders_Validate(string name, string? value) =>
        Micro.Http.ResponseHeaders.Validate(HeaderBytes.AsciiBytes(name), HeaderBytes.AsciiBytes(value ?? ""));
}
