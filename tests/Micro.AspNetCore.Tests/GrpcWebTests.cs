using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// gRPC-Web over HTTP/1.1 (ASP.NET Core's Grpc.AspNetCore.Web, and the .NET client's GrpcWebHandler), as a browser's
/// gRPC client speaks it: unary calls with metadata and trailers, a server stream of many messages, an error status, a
/// deadline that cancels the call on the server, in both the binary and the base64 text encodings, on every server.
/// The service is written by hand as the protobuf compiler would write it (its messages are protobuf's own wrappers).
/// </summary>
public sealed class GrpcWebTests
{
    private static readonly Marshaller<StringValue> Text = Marshallers.Create(message => message.ToByteArray(), StringValue.Parser.ParseFrom);
    private static readonly Marshaller<Int32Value> Number = Marshallers.Create(message => message.ToByteArray(), Int32Value.Parser.ParseFrom);
    private static readonly Method<StringValue, StringValue> SayMethod = new(MethodType.Unary, "test.Echo", "Say", Text, Text);
    private static readonly Method<Int32Value, Int32Value> CountMethod = new(MethodType.ServerStreaming, "test.Echo", "Count", Number, Number);
    private static readonly Method<StringValue, StringValue> FailMethod = new(MethodType.Unary, "test.Echo", "Fail", Text, Text);
    private static readonly Method<StringValue, StringValue> WaitMethod = new(MethodType.Unary, "test.Echo", "Wait", Text, Text);

    public static IEnumerable<object[]> ServersAndModes =>
        from server in System.Enum.GetValues<ServerKind>()
        from mode in new[] { GrpcWebMode.GrpcWeb, GrpcWebMode.GrpcWebText }
        select new object[] { server, mode };

    [Theory]
    [MemberData(nameof(ServersAndModes))]
    public async Task Grpc_web_calls_stream_fail_and_time_out_as_on_kestrel(ServerKind server, GrpcWebMode mode)
    {
        var cancelledOnServer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseRouting();
            web.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
            web.MapGrpcService<EchoService>();
        }, builder =>
        {
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(cancelledOnServer);
        });
        using var channel = GrpcChannel.ForAddress(app.Url, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(mode, new HttpClientHandler()),
            HttpVersion = new Version(1, 1),
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            DisposeHttpClient = true, // its connections close with the channel, before the app stops
        });
        var calls = channel.CreateCallInvoker();

        using (var say = calls.AsyncUnaryCall(SayMethod, null, new CallOptions(new Grpc.Core.Metadata { { "x-name", "ana" } }), new StringValue { Value = "hi" }))
        {
            Assert.Equal("hello ana: hi", (await say.ResponseAsync).Value);
            Assert.Equal("yes", (await say.ResponseHeadersAsync).GetValue("x-started"));
            Assert.Equal("said", say.GetTrailers().GetValue("x-done"));
        }

        using (var count = calls.AsyncServerStreamingCall(CountMethod, null, new CallOptions(), new Int32Value { Value = 2000 }))
        {
            var expected = 1;
            await foreach (var number in count.ResponseStream.ReadAllAsync())
            {
                Assert.Equal(expected++, number.Value);
            }
            Assert.Equal(2001, expected);
            Assert.Equal(StatusCode.OK, count.GetStatus().StatusCode);
        }

        var failed = await Assert.ThrowsAsync<RpcException>(() => calls.AsyncUnaryCall(FailMethod, null, new CallOptions(), new StringValue { Value = "x" }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "no such thing"), (failed.StatusCode, failed.Status.Detail));

        // The client's deadline goes to the server in grpc-timeout: the call is cancelled there, and the client told so.
        var late = await Assert.ThrowsAsync<RpcException>(() => calls.AsyncUnaryCall(WaitMethod, null, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300)), new StringValue()).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
        await cancelledOnServer.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var again = calls.AsyncUnaryCall(SayMethod, null, new CallOptions(new Grpc.Core.Metadata { { "x-name", "bo" } }), new StringValue { Value = "after" });
        Assert.Equal("hello bo: after", (await again.ResponseAsync).Value);
    }

    /// <summary>
    /// The service's base, bound as generated code binds it: Grpc.AspNetCore finds each method by its name, as an
    /// override of the base's virtual method.
    /// </summary>
    [BindServiceMethod(typeof(EchoBase), nameof(BindService))]
    public abstract class EchoBase
    {
        public static void BindService(ServiceBinderBase binder, EchoBase? service)
        {
            binder.AddMethod(SayMethod, service is null ? null : service.Say);
            binder.AddMethod(CountMethod, service is null ? null : service.Count);
            binder.AddMethod(FailMethod, service is null ? null : service.Fail);
            binder.AddMethod(WaitMethod, service is null ? null : service.Wait);
        }

        public abstract Task<StringValue> Say(StringValue request, ServerCallContext context);

        public abstract Task Count(Int32Value request, IServerStreamWriter<Int32Value> stream, ServerCallContext context);

        public abstract Task<StringValue> Fail(StringValue request, ServerCallContext context);

        public abstract Task<StringValue> Wait(StringValue request, ServerCallContext context);
    }

    public sealed class EchoService(TaskCompletionSource cancelledOnServer) : EchoBase
    {
        public override async Task<StringValue> Say(StringValue request, ServerCallContext context)
        {
            await context.WriteResponseHeadersAsync([new("x-started", "yes")]);
            context.ResponseTrailers.Add("x-done", "said");
            return new StringValue { Value = $"hello {context.RequestHeaders.GetValue("x-name")}: {request.Value}" };
        }

        public override async Task Count(Int32Value request, IServerStreamWriter<Int32Value> stream, ServerCallContext context)
        {
            for (var i = 1; i <= request.Value; i++)
            {
                await stream.WriteAsync(new Int32Value { Value = i });
            }
        }

        public override Task<StringValue> Fail(StringValue request, ServerCallContext context) => throw new RpcException(new Status(StatusCode.NotFound, "no such thing"));

        public override async Task<StringValue> Wait(StringValue request, ServerCallContext context)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                cancelledOnServer.TrySetResult();
                throw;
            }
            return request;
        }
    }
}
