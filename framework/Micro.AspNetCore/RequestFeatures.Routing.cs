using Microsoft.AspNetCore.Routing;

namespace Micro.AspNetCore;

/// <summary>
/// The endpoint and route values routing sets, kept on the request's own features (as Kestrel keeps them on its
/// connection's), so routing does not allocate a feature object per request to hold them.
/// </summary>
internal abstract partial class RequestFeatures : IEndpointFeature, IRouteValuesFeature
{
    private RouteValueDictionary? _routeValues;

    public Endpoint? Endpoint { get; set; }

    public RouteValueDictionary RouteValues
    {
        get => _routeValues ??= [];
        set => _routeValues = value;
    }

    private void ResetRouting()
    {
        Endpoint = null;
        _routeValues = null; // the app may keep the last one: a new request gets its own
    }
}
