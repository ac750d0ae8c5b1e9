using System.Security.Claims;

namespace Micro;

/// <summary>Who made the request, and what another framework keeps with the pooled request object.</summary>
public sealed partial class Request
{
    private ClaimsPrincipal? _user;
    private IRequestCompanion? _companion;

    /// <summary>
    /// Who made the request, as authentication middleware decided (ASP.NET Core's, through <c>app.UseAspNetCore</c>,
    /// or the app's own, which sets it); an anonymous principal (<c>User.Identity.IsAuthenticated</c> false) until then.
    /// Kept by an upgraded request (a WebSocket's) for the life of its connection.
    /// </summary>
    public ClaimsPrincipal User
    {
        get => _user ??= new ClaimsPrincipal(new ClaimsIdentity());
        set => _user = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// What another framework keeps with this pooled request object (ASP.NET Core's HttpContext over it, made when first
    /// asked for), told when the object starts serving another request. The root names no such framework.
    /// </summary>
    internal IRequestCompanion? Companion
    {
        get => _companion;
        set => _companion = value;
    }

    /// <summary>A new request begins: the last one's user is forgotten, and its companion told.</summary>
    private void ForgetUser()
    {
        _user = null;
        _companion?.OnNextRequest();
    }

    /// <summary>An upgraded copy keeps the user its request was authenticated as.</summary>
    private void KeepUserOf(Request source) => _user = source._user;
}

/// <summary>State another framework keeps with a pooled <see cref="Request"/>: reset when the request object serves the next request.</summary>
internal interface IRequestCompanion
{
    /// <summary>The request object starts serving another request: forget the last one.</summary>
    void OnNextRequest();
}
