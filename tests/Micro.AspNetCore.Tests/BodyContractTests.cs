using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The contracts of the request body's reader and stream and of the response's writer, and the response's rules once
/// it has started, used as careless code uses them (read twice, advance too far, write after completing), answered as
/// Kestrel answers: the same results, the same exception types, and Kestrel's words where code or a developer reading
/// the log would match on them. Where Micro's message says more than Kestrel's (how to mend the call), only the type
/// is compared. Each probe tells its outcome aside from the response, since some complete the response first.
/// </summary>
public sealed class BodyContractTests
{
    private sealed record Probe(string Path, string Body, Func<HttpContext, Task<string>> Run);

    private static readonly Probe[] Probes =
    [
        new("/read-twice", "hello", async context =>
        {
            var reader = context.Request.BodyReader;
            var first = await reader.ReadAsync();
            return $"{first.Buffer.Length} then {await TypeOf(async () => await reader.ReadAsync())}";
        }),
        new("/read-after-complete", "hello", async context =>
        {
            await context.Request.BodyReader.CompleteAsync();
            return await Described(async () => await context.Request.BodyReader.ReadAsync());
        }),
        new("/advance-twice", "hello", async context =>
        {
            var reader = context.Request.BodyReader;
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            return await TypeOf(() => { reader.AdvanceTo(result.Buffer.End); return Task.CompletedTask; });
        }),
        new("/read-past-the-end", "hello", async context =>
        {
            var reader = context.Request.BodyReader;
            var reads = new StringBuilder();
            for (var i = 0; i < 3; i++)
            {
                var result = await reader.ReadAsync();
                reads.Append($"[{result.Buffer.Length} {result.IsCompleted} {result.IsCanceled}]");
                reader.AdvanceTo(result.Buffer.End);
            }
            return reads.ToString();
        }),
        new("/examined-not-consumed", "hello", async context =>
        {
            var reader = context.Request.BodyReader;
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            var again = await reader.ReadAsync();
            return $"{result.Buffer.Length} {again.Buffer.Length} {again.IsCompleted}";
        }),
        new("/try-read-without-body", "", context =>
        {
            var read = context.Request.BodyReader.TryRead(out var result);
            return Task.FromResult($"{read} {result.Buffer.Length} {result.IsCompleted}");
        }),
        new("/zero-byte-read", "hello", async context =>
        {
            var zero = await context.Request.Body.ReadAsync(Memory<byte>.Empty);
            var rest = await context.Request.Body.ReadAtLeastAsync(new byte[10], 5);
            return $"{zero} {rest}";
        }),
        new("/streams", "hello", async context =>
        {
            var (request, response) = (context.Request.Body, context.Response.Body);
            return $"{request.CanRead} {request.CanSeek} {request.CanWrite} {response.CanRead} {response.CanSeek} {response.CanWrite} " +
                $"{await TypeOf(() => Task.FromResult(request.Length))} {await TypeOf(() => { request.Position = 1; return Task.CompletedTask; })} " +
                $"{await TypeOf(() => Task.FromResult(response.ReadByte()))}";
        }),
        new("/synchronous-io", "hello", async context =>
            $"{await Described(() => { context.Response.Body.Flush(); return Task.CompletedTask; })} / " +
            $"{await Described(() => Task.FromResult(context.Request.Body.Read(new byte[10])))}"),
        new("/body-limit-after-reading", "hello", async context =>
        {
            var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()!;
            var before = limit.IsReadOnly;
            await context.Request.Body.ReadAtLeastAsync(new byte[1], 1);
            return $"{before} {limit.IsReadOnly} {await Described(() => { limit.MaxRequestBodySize = 5; return Task.CompletedTask; })}";
        }),
        new("/advance-too-far", "", async context =>
        {
            var writer = context.Response.BodyWriter;
            var memory = writer.GetMemory(10);
            return $"{await TypeOf(() => { writer.Advance(-1); return Task.CompletedTask; })} " +
                $"{await TypeOf(() => { writer.Advance(memory.Length + 1); return Task.CompletedTask; })}";
        }),
        new("/after-start", "", async context =>
        {
            var response = context.Response;
            await response.StartAsync();
            return $"{await Described(() => { response.StatusCode = 201; return Task.CompletedTask; })} / " +
                $"{await Described(() => { response.Headers["X-Late"] = "1"; return Task.CompletedTask; })} / " +
                $"{await Described(() => { response.ContentType = "text/plain"; return Task.CompletedTask; })} / " +
                $"{await Described(() => { response.OnStarting(() => Task.CompletedTask); return Task.CompletedTask; })} / " +
                $"{await Described(() => { response.Clear(); return Task.CompletedTask; })}";
        }),
        new("/after-complete", "", async context =>
        {
            await context.Response.WriteAsync("a");
            await context.Response.CompleteAsync();
            return $"{await TypeOf(() => context.Response.WriteAsync("b"))} " +
                $"{await TypeOf(async () => await context.Response.BodyWriter.WriteAsync("c"u8.ToArray()))} " +
                $"{await Described(() => { context.Response.StatusCode = 500; return Task.CompletedTask; })}";
        }),
        new("/writer-completed", "", async context =>
        {
            await context.Response.BodyWriter.WriteAsync("a"u8.ToArray());
            await context.Response.BodyWriter.CompleteAsync();
            var flushed = await context.Response.BodyWriter.FlushAsync();
            return $"{await TypeOf(() => context.Response.WriteAsync("b"))} {flushed.IsCompleted} {flushed.IsCanceled}";
        }),
    ];

    [Theory]
    [InlineData(ServerKind.Micro)]
    [InlineData(ServerKind.MicroInline)]
    public async Task Careless_uses_of_the_bodies_and_the_started_response_are_answered_as_on_kestrel(ServerKind server)
    {
        var kestrelOutcomes = new ConcurrentDictionary<string, TaskCompletionSource<string>>();
        var microOutcomes = new ConcurrentDictionary<string, TaskCompletionSource<string>>();
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, web => Map(web, kestrelOutcomes));
        await using var micro = await ServedApp.StartAsync(server, web => Map(web, microOutcomes));
        foreach (var probe in Probes)
        {
            var expected = await OutcomeAsync(kestrel, kestrelOutcomes, probe);
            var actual = await OutcomeAsync(micro, microOutcomes, probe);
            Assert.True(expected == actual, $"{probe.Path}\nKestrel: {expected}\n{server}: {actual}");
        }
        Assert.DoesNotContain(micro.Log.Entries, entry => entry.Level >= LogLevel.Error);
        await micro.AssertServesNewConnectionsAsync();
    }

    private static void Map(WebApplication web, ConcurrentDictionary<string, TaskCompletionSource<string>> outcomes)
    {
        foreach (var probe in Probes)
        {
            web.MapMethods(probe.Path, [probe.Body.Length > 0 ? "POST" : "GET"], (HttpContext context) => TellAsync(probe, context, outcomes));
        }
    }

    private static async Task TellAsync(Probe probe, HttpContext context, ConcurrentDictionary<string, TaskCompletionSource<string>> outcomes)
    {
        var told = outcomes.GetOrAdd(probe.Path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        told.SetResult(await Described(() => probe.Run(context)));
    }

    private static async Task<string> OutcomeAsync(ServedApp app, ConcurrentDictionary<string, TaskCompletionSource<string>> outcomes, Probe probe)
    {
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        var request = probe.Body.Length > 0
            ? $"POST {probe.Path} HTTP/1.1\r\nHost: x\r\nContent-Length: {probe.Body.Length}\r\n\r\n{probe.Body}"
            : $"GET {probe.Path} HTTP/1.1\r\nHost: x\r\n\r\n";
        await client.SendAsync(request);
        var (status, _, body) = await client.ReadResponseAsync();
        var told = outcomes.GetOrAdd(probe.Path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        return $"{status} [{body}] {await told.Task.WaitAsync(TimeSpan.FromSeconds(10))}";
    }

    /// <summary>The step's result, or the exception it threw, by type and message.</summary>
    private static async Task<string> Described<T>(Func<Task<T>> step)
    {
        try
        {
            return $"{await step()}";
        }
        catch (Exception exception)
        {
            return $"threw {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}";
        }
    }

    private static Task<string> Described(Func<Task> step) => Described(async () => { await step(); return "done"; });

    /// <summary>The exception's type alone, where Micro's message says more than Kestrel's.</summary>
    private static async Task<string> TypeOf(Func<Task> step)
    {
        try
        {
            await step();
            return "no exception";
        }
        catch (Exception exception)
        {
            return $"threw {exception.GetType().Name}";
        }
    }

    private static Task<string> TypeOf<T>(Func<Task<T>> step) => TypeOf((Func<Task>)step);
}
