using System.Collections.Immutable;
using Micro.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Micro.Tests.Analyzers;

/// <summary>
/// Issue 20: MICRO001, shipped in the Micro package, warns where an async void method or lambda is given as a handler
/// (the pattern behind the stale-handle defect), and nowhere else. Snippets compiled against Micro itself.
/// </summary>
public sealed class AsyncVoidHandlerAnalyzerTests
{
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string body)
    {
        var source = $$"""
            using System;
            using System.Threading.Tasks;
            using Micro;
            using Micro.WebSockets;

            public static class App
            {
                public static async void AsyncVoid(Request req, Response res) { await Task.Yield(); res.Send("late"); }
                public static async Task AsyncTask(Request req, Response res) { await Task.Yield(); res.Send("ok"); }
                public static void Sync(Request req, Response res) => res.Send("ok");
                public static async void OnMessage(WebSocketConnection ws, WebSocketMessage message) => await Task.Yield();

                public static void Configure(MicroApp app)
                {
                    {{body}}
                }
            }
            """;
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = trusted.Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(MicroApp).Assembly.Location));
        var compilation = CSharpCompilation.Create("Snippet", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return await compilation.WithAnalyzers([new AsyncVoidHandlerAnalyzer()]).GetAnalyzerDiagnosticsAsync();
    }

    [Theory]
    [InlineData("app.Get(\"/x\", AsyncVoid);", "AsyncVoid")]
    [InlineData("app.Post(\"/x\", (RequestHandler)(async (req, res) => { await Task.Yield(); res.Send(\"late\"); }));", "async lambda")]
    [InlineData("RequestHandler handler = async (req, res) => await Task.Yield(); app.Put(\"/x\", handler);", "async lambda")]
    [InlineData("app.WebSocket(\"/ws\", new WebSocketHandlers { OnMessage = OnMessage });", "OnMessage")]
    [InlineData("app.WebSocket(\"/ws\", new WebSocketHandlers { OnOpen = async ws => await Task.Yield() });", "async lambda")]
    public async Task An_async_void_handler_is_flagged(string code, string named)
    {
        var diagnostic = Assert.Single(await AnalyzeAsync(code));
        Assert.Equal("MICRO001", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains($"'{named}' is async void", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("app.Get(\"/x\", AsyncTask);")]
    [InlineData("app.Get(\"/x\", Sync);")]
    [InlineData("app.Get(\"/x\", async (req, res) => { await Task.Yield(); res.Send(\"ok\"); });")] // an async lambda becomes the Task-returning handler
    [InlineData("app.Get(\"/x\", (req, res) => res.Send(\"ok\"));")]
    [InlineData("Action later = async () => await Task.Yield(); app.Get(\"/x\", Sync);")] // async void, but not a handler
    public async Task Handlers_the_server_can_wait_for_are_not_flagged(string code)
    {
        Assert.Empty(await AnalyzeAsync(code));
    }
}
