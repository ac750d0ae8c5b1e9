using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Micro.Analyzers;

/// <summary>
/// MICRO001: an async void method or lambda given to Micro as a handler. It compiles (a void-returning handler
/// delegate takes it), but the handler returns at its first await: the server answers, hands the pooled request and
/// response to the next request, and the handler's later writes throw (or, before Micro retired stale handles, landed
/// in a neighbour's response). ASP.NET Core's analyzers flag the same pattern (ASP0004-style) for request delegates.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AsyncVoidHandlerAnalyzer : DiagnosticAnalyzer
{
    public const string DiagnosticId = "MICRO001";

    private static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        "Do not pass an async void method or lambda as a Micro handler",
        "'{0}' is async void: the server does not wait for it, and its writes after the first await reach a request that is over. Return a Task (async Task, or an async lambda the server can await).",
        "Usage",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A handler that returns void is finished, for the server, when it returns. An async void one returns at its first await, so the response is sent without what it writes later, and its handles are reused by the next request.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var requestHandler = start.Compilation.GetTypeByMetadataName("Micro.RequestHandler");
            var webSocketHandlers = start.Compilation.GetTypeByMetadataName("Micro.WebSockets.WebSocketHandlers");
            if (requestHandler is null && webSocketHandlers is null)
            {
                return; // not an app on Micro
            }
            start.RegisterOperationAction(operation => Analyze(operation, requestHandler, webSocketHandlers), OperationKind.DelegateCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol? requestHandler, INamedTypeSymbol? webSocketHandlers)
    {
        var creation = (IDelegateCreationOperation)context.Operation;
        if (!IsHandler(creation, requestHandler, webSocketHandlers))
        {
            return;
        }
        var (isAsyncVoid, name) = creation.Target switch
        {
            IAnonymousFunctionOperation lambda => (lambda.Symbol.IsAsync && lambda.Symbol.ReturnsVoid, "async lambda"),
            IMethodReferenceOperation reference => (reference.Method.IsAsync && reference.Method.ReturnsVoid, reference.Method.Name),
            _ => (false, ""),
        };
        if (isAsyncVoid)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, creation.Syntax.GetLocation(), name));
        }
    }

    /// <summary>A request handler, or one of a WebSocket's callbacks (set on WebSocketHandlers).</summary>
    private static bool IsHandler(IDelegateCreationOperation creation, INamedTypeSymbol? requestHandler, INamedTypeSymbol? webSocketHandlers)
    {
        if (requestHandler is not null && SymbolEqualityComparer.Default.Equals(creation.Type, requestHandler))
        {
            return true;
        }
        var parent = creation.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }
        return webSocketHandlers is not null
            && parent is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property }
            && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, webSocketHandlers);
    }
}
