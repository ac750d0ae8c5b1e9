using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Micro.Cors;

/// <summary>
/// Cross-origin resource sharing (the Fetch standard's CORS protocol) with ASP.NET Core's <see cref="CorsPolicy"/>:
/// preflight requests are answered here, without reaching a route (so never a 404 or 405), and allowed cross-origin
/// responses carry Access-Control-Allow-Origin (the origin itself with credentials, never <c>*</c>),
/// -Allow-Credentials and -Expose-Headers. Responses vary by Origin whenever the policy names origins.
/// </summary>
public static class CorsMiddleware
{
    private static readonly string[] SafelistedMethods = ["GET", "HEAD", "POST"];

    /// <summary>
    /// Applies the policy <paramref name="configure"/> builds to every request: <c>app.UseCors(p => p.WithOrigins("https://app.example").AllowCredentials())</c>.
    /// A policy that allows any origin with credentials is refused (ASP.NET Core's rule), as is an empty one.
    /// </summary>
    public static TRouter UseCors<TRouter>(this TRouter app, Action<CorsPolicyBuilder> configure) where TRouter : Router
    {
        var builder = new CorsPolicyBuilder();
        configure(builder);
        var policy = builder.Build(); // throws for AllowAnyOrigin with AllowCredentials
        if (!policy.AllowAnyOrigin && policy.Origins.Count == 0 && policy.IsOriginAllowed.Method.DeclaringType == typeof(CorsPolicy))
        {
            throw new InvalidOperationException("The CORS policy allows no origin: call WithOrigins(...), AllowAnyOrigin() or SetIsOriginAllowed(...).");
        }
        app.Use(new Step(policy).Invoke);
        return app;
    }

    /// <summary>
    /// The policy at work. A request without Origin (same-origin, or not from a browser) is served up front: its
    /// response varies by Origin when the policy names origins, and nothing else is added, so the pipeline goes
    /// straight on to the route, with no string made to learn it.
    /// </summary>
    private sealed class Step(CorsPolicy policy) : IUpFrontStep
    {
        private readonly bool _varies = !policy.AllowAnyOrigin;

        public bool ServeUpFront(Request req, Response res)
        {
            var exchange = req.Exchange;
            if (exchange.Head.TryGetHeader(exchange.RequestBytes, "Origin"u8, out _))
            {
                return false;
            }
            Vary(res);
            return true;
        }

        public ValueTask Invoke(Request req, Response res, Next next)
        {
            if (ServeUpFront(req, res))
            {
                return next.Invoke();
            }
            Vary(res);
            var origin = req.Header("Origin")!;
            if (req.Method == "OPTIONS" && req.Header("Access-Control-Request-Method") is { } requestedMethod)
            {
                AnswerPreflight(req, res, policy, origin, requestedMethod);
                return default;
            }
            if (OriginAllowed(policy, origin))
            {
                AllowOrigin(res, policy, origin);
                if (policy.ExposedHeaders.Count > 0)
                {
                    res.Header("Access-Control-Expose-Headers", string.Join(", ", policy.ExposedHeaders));
                }
            }
            return next.Invoke();
        }

        private void Vary(Response res)
        {
            if (_varies)
            {
                res.Exchange.AddFrameworkLine(Http.KnownResponseHeader.Vary, "Vary: Origin\r\n"u8);
            }
        }
    }

    /// <summary>A preflight gets 204: with the permissions when everything asked for is allowed, without any when not (the browser then refuses).</summary>
    private static void AnswerPreflight(Request req, Response res, CorsPolicy policy, string origin, string method)
    {
        var requestedHeaders = (req.ListHeader("Access-Control-Request-Headers") ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        // Every header a preflight names is one the browser may not send freely: CORS-safelisted request headers are
        // safelisted only with safelisted values (Content-Type: application/json is not), and a browser asks only for
        // the rest (Fetch, 4.8). So each is granted by the policy alone, as ASP.NET Core grants Content-Type.
        var allowed = OriginAllowed(policy, origin)
            && (policy.AllowAnyMethod || SafelistedMethods.Contains(method, StringComparer.Ordinal) || policy.Methods.Contains(method, StringComparer.Ordinal))
            && requestedHeaders.All(header => policy.AllowAnyHeader || policy.Headers.Contains(header, StringComparer.OrdinalIgnoreCase));
        res.Status(204);
        if (allowed)
        {
            AllowOrigin(res, policy, origin);
            // The method and headers asked for, named: with credentials a "*" would be taken literally.
            res.Header("Access-Control-Allow-Methods", method);
            if (requestedHeaders.Length > 0)
            {
                res.Header("Access-Control-Allow-Headers", string.Join(", ", requestedHeaders));
            }
            if (policy.PreflightMaxAge is { } maxAge)
            {
                res.Header("Access-Control-Max-Age", ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        res.End();
    }

    private static bool OriginAllowed(CorsPolicy policy, string origin) => policy.AllowAnyOrigin || policy.IsOriginAllowed(origin);

    private static void AllowOrigin(Response res, CorsPolicy policy, string origin)
    {
        res.Header("Access-Control-Allow-Origin", policy.AllowAnyOrigin && !policy.SupportsCredentials ? "*" : origin);
        if (policy.SupportsCredentials)
        {
            res.Header("Access-Control-Allow-Credentials", "true");
        }
    }
}
