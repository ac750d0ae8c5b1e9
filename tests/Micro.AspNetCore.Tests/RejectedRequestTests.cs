using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// Requests the server rejects are told to the app's DiagnosticListener as Kestrel tells them (the event an app
/// subscribes to to watch malformed or oversized requests): the same event, with the status and the client, on every
/// server, for a malformed head, a head whose values are not UTF-8 and a body over the limit that escaped the app.
/// </summary>
public sealed class RejectedRequestTests
{
    private const string BadRequestEvent = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    [Theory]
    [OnEveryServer]
    public async Task A_rejected_request_is_told_to_the_diagnostic_listener_with_its_status_and_client(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/", () => "fine");
            web.MapPost("/read", async (HttpRequest request) => (await new StreamReader(request.Body).ReadToEndAsync()).Length);
        }, builder => builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = 1000));
        var rejections = Channel.CreateUnbounded<(int Status, string? Client)>();
        using var subscription = app.App.Services.GetRequiredService<DiagnosticListener>()
            .Subscribe(new Observer(rejections.Writer), name => name == BadRequestEvent);

        foreach (var (request, status) in new[]
        {
            ("GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400),
            ("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + new string('a', 5000), 413),
        })
        {
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync(request);
            Assert.Equal(status, (await client.ReadResponseAsync()).Status);
            Assert.Equal((status, "127.0.0.1"), await rejections.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync([.. "GET / HTTP/1.1\r\nHost: x\r\nX-Name: "u8, 0xFF, .. "\r\n\r\n"u8]);
            Assert.Equal(400, (await client.ReadResponseAsync()).Status);
            Assert.Equal((400, "127.0.0.1"), await rejections.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }

        // A good request is no rejection: the next event, if any, would be a wrong one.
        Assert.Equal("fine", await app.Client.GetStringAsync("/"));
        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nAlso no colon\r\n\r\n");
            Assert.Equal(400, (await client.ReadResponseAsync()).Status);
        }
        Assert.Equal((400, "127.0.0.1"), await rejections.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(rejections.Reader.TryRead(out _));
    }

    /// <summary>
    /// IBadRequestExceptionFeature on the request itself, as on Kestrel: the BadHttpRequestException that escaped the app
    /// (a body over the limit, declared or chunked), seen by the request's OnCompleted callbacks; none when the app
    /// caught it, none on a request read well.
    /// </summary>
    [Theory]
    [OnEveryServer]
    public async Task A_bad_request_exception_that_escaped_the_app_is_the_requests_bad_request_feature(ServerKind server)
    {
        var seen = Channel.CreateUnbounded<string>();
        await using var app = await ServedApp.StartAsync(server, web => web.MapPost("/read/{catches:bool}", async (bool catches, HttpContext context) =>
        {
            var feature = context.Features.Get<IBadRequestExceptionFeature>()!;
            context.Response.OnCompleted(() =>
            {
                seen.Writer.TryWrite(feature.Error is BadHttpRequestException bad ? $"{bad.StatusCode}: {bad.Message}" : feature.Error?.GetType().Name ?? "none");
                return Task.CompletedTask;
            });
            var failed = await Record.ExceptionAsync(() => context.Request.Body.CopyToAsync(Stream.Null));
            if (failed is not null && !catches)
            {
                throw failed;
            }
            return $"read, error {feature.Error?.GetType().Name ?? "none"}";
        }), builder => builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = 1000),
            micro: options => options.MaxRequestBodySize = 1000);

        foreach (var (request, status, expected) in new[]
        {
            ("POST /read/false HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 200, "none"),
            ("POST /read/true HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 200, "none"),
            ("POST /read/false HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413, "413: Request body too large. The max request body size is 1000 bytes."),
            ("POST /read/false HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + new string('a', 2000) + "\r\n", 413,
                "413: Request body too large. The max request body size is 1000 bytes."),
        })
        {
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync(request);
            var (answered, _, body) = await client.ReadResponseAsync();
            Assert.Equal(status, answered);
            Assert.Equal(status == 200 ? "read, error none" : "", body);
            Assert.Equal(expected, await seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
        await app.AssertServesNewConnectionsAsync(); // the connections the escaped refusals closed left every reactor serving
    }

    /// <summary>Takes each event's status (from the rejection's exception) and the client's address.</summary>
    private sealed class Observer(ChannelWriter<(int, string?)> rejections) : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            var features = (IFeatureCollection)value.Value!;
            var error = (BadHttpRequestException)features.Get<IBadRequestExceptionFeature>()!.Error!;
            rejections.TryWrite((error.StatusCode, features.Get<IHttpConnectionFeature>()?.RemoteIpAddress?.ToString()));
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
