using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.AspNetCore;

/// <summary>
/// ASP.NET Core authorization as Micro route middleware, with the app's policies (<c>builder.Services.AddAuthorization</c>):
/// <code>
/// using static Micro.AspNetCore.Authorization;
/// app.Get("/admin", Authorize("admin"), handler);     // the policy named "admin"
/// app.WebSocket("/feed", Authorize(), onConnect);     // any authenticated user
/// </code>
/// Authenticates with the policy's schemes (or takes <c>req.User</c> as authentication middleware in
/// <c>app.UseAspNetCore</c> left it), then evaluates the policy: allowed goes on; otherwise the authentication handler
/// answers, as ASP.NET Core's authorization middleware does (401 with its challenge when no user, 403 when the user
/// is not allowed).
/// </summary>
public static class Authorization
{
    /// <summary>Lets in any authenticated user (the default policy, unless the app changed it).</summary>
    public static Middleware Authorize() => Authorize(services => services.GetRequiredService<IAuthorizationPolicyProvider>().GetDefaultPolicyAsync(), "the default policy");

    /// <summary>Lets in the users the policy named <paramref name="policy"/> allows.</summary>
    public static Middleware Authorize(string policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(policy);
        return Authorize(async services => await services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(policy).ConfigureAwait(true)
            ?? throw new InvalidOperationException($"The authorization policy '{policy}' was not found: add it with builder.Services.AddAuthorization(options => options.AddPolicy(\"{policy}\", ...))."),
            $"policy '{policy}'");
    }

    /// <summary>Lets in authenticated users in at least one of <paramref name="roles"/>.</summary>
    public static Middleware AuthorizeRoles(params string[] roles)
    {
        if (roles is null || roles.Length == 0)
        {
            throw new ArgumentException("Name at least one role.", nameof(roles));
        }
        return Authorize(new AuthorizationPolicyBuilder().RequireRole(roles).Build());
    }

    /// <summary>Lets in the users <paramref name="policy"/> allows.</summary>
    public static Middleware Authorize(AuthorizationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Authorize(_ => Task.FromResult(policy), "the given policy");
    }

    private static Middleware Authorize(Func<IServiceProvider, Task<AuthorizationPolicy>> resolve, string description)
    {
        AuthorizationPolicy? resolved = null; // found at the first request, when the app's services exist
        return async (req, res, next) =>
        {
            var services = req.App?.ScopeFactory is not null ? req.App.Services : throw new InvalidOperationException(
                $"Authorize ({description}) needs the app's services: build the app with MicroApp.CreateBuilder(args) and call builder.Services.AddAuthorization().");
            var policy = resolved ??= await resolve(services).ConfigureAwait(true);
            var evaluator = services.GetService<IPolicyEvaluator>() ?? throw new InvalidOperationException(
                $"Authorize ({description}) needs ASP.NET Core's authorization services: call builder.Services.AddAuthorization().");
            var context = MicroRequestContext.For(req, res);
            // Authorization handlers (and the route after) that take IHttpContextAccessor find this request in it.
            var entered = context.EnterAccessor(services.GetService<Microsoft.AspNetCore.Http.IHttpContextAccessor>());
            try
            {
                var authentication = await evaluator.AuthenticateAsync(policy, context.HttpContext).ConfigureAwait(true);
                var result = await evaluator.AuthorizeAsync(policy, authentication, context.HttpContext, context.HttpContext).ConfigureAwait(true);
                if (result.Succeeded)
                {
                    await next.Invoke().ConfigureAwait(true);
                    return;
                }
                var handler = services.GetRequiredService<IAuthorizationMiddlewareResultHandler>();
                await context.RunAsync(httpContext => handler.HandleAsync(MicroRequestContext.GoOnInMicro, httpContext, policy, result), next).ConfigureAwait(true);
            }
            finally
            {
                MicroRequestContext.LeaveAccessor(entered);
            }
        };
    }
}
