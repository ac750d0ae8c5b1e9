using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The feature collection that is itself most of its features: what it is answers itself, what middleware sets is
/// found first (null included), a value of the wrong type is refused as any feature collection refuses it, and a
/// collection cannot claim a feature it does not implement.
/// </summary>
public sealed class FeatureCollectionTests
{
    private sealed class Identified() : OwnFeatureCollection([typeof(IHttpRequestIdentifierFeature)]), IHttpRequestIdentifierFeature
    {
        public string TraceIdentifier { get; set; } = "own";
    }

    private sealed class Claiming() : OwnFeatureCollection([typeof(IHttpRequestIdentifierFeature)]);

    private sealed class Replacement : IHttpRequestIdentifierFeature
    {
        public string TraceIdentifier { get; set; } = "set";
    }

    [Fact]
    public void Own_features_answer_themselves_and_what_is_set_is_found_first()
    {
        var features = new Identified();
        Assert.Same(features, features.Get<IHttpRequestIdentifierFeature>());
        Assert.Same(features, features[typeof(IHttpRequestIdentifierFeature)]);
        Assert.Null(features.Get<IItemsFeature>());
        Assert.Null(features.Get<IHttpRequestFeature>());

        var revision = features.Revision;
        var replacement = new Replacement();
        features.Set<IHttpRequestIdentifierFeature>(replacement);
        Assert.True(features.Revision > revision);
        Assert.Same(replacement, features.Get<IHttpRequestIdentifierFeature>());
        Assert.Equal("set", features.Get<IHttpRequestIdentifierFeature>()!.TraceIdentifier);
        features.Set<IHttpRequestIdentifierFeature>(null);
        Assert.Null(features.Get<IHttpRequestIdentifierFeature>());

        features[typeof(IItemsFeature)] = "not a feature";
        Assert.Throws<InvalidCastException>(() => features.Get<IItemsFeature>());
    }

    [Fact]
    public void Features_set_past_the_first_eight_are_found_and_forgotten_with_the_rest()
    {
        var features = new Identified();
        Type[] others = [typeof(int), typeof(long), typeof(short), typeof(byte), typeof(char), typeof(bool), typeof(float), typeof(double), typeof(decimal), typeof(Guid)];
        foreach (var type in others)
        {
            features[type] = type.Name;
        }
        var items = new ItemsFeature();
        features.Set<IItemsFeature>(items); // the eleventh: past the arrays' first size
        Assert.Same(items, features.Get<IItemsFeature>());
        Assert.Equal("Guid", features[typeof(Guid)]);
        Assert.Same(features, features.Get<IHttpRequestIdentifierFeature>());
        features.Set<IHttpRequestIdentifierFeature>(new Replacement());
        Assert.Equal("set", features.Get<IHttpRequestIdentifierFeature>()!.TraceIdentifier);
    }

    [Fact]
    public void A_collection_cannot_claim_a_feature_it_is_not()
    {
        var refused = Assert.Throws<ArgumentException>(() => new Claiming());
        Assert.Contains("IHttpRequestIdentifierFeature", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Code written against Kestrel asks for features without a null check: what a request's collection holds on
    /// Kestrel, it holds on Micro, but WebTransport's (HTTP/3's; its interface cannot be implemented outside ASP.NET Core).
    /// </summary>
    [Theory]
    [InlineData(ServerKind.Micro)]
    [InlineData(ServerKind.MicroInline)]
    public async Task A_request_has_every_feature_it_has_on_kestrel(ServerKind server)
    {
        static void Map(WebApplication web) => web.MapGet("/features", (HttpContext context) =>
            string.Join(",", context.Features.Where(feature => feature.Value is not null).Select(feature => feature.Key.FullName).Order(StringComparer.Ordinal)));
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, Map);
        await using var micro = await ServedApp.StartAsync(server, Map);
        var onKestrel = (await kestrel.Client.GetStringAsync("/features")).Split(',');
        var onMicro = (await micro.Client.GetStringAsync("/features")).Split(',');
        var missing = onKestrel.Except(onMicro).Where(name => name != "Microsoft.AspNetCore.Http.Features.IHttpWebTransportFeature");
        Assert.True(!missing.Any(), $"missing on {server}: {string.Join(", ", missing)}\nKestrel: {string.Join(", ", onKestrel)}\n{server}: {string.Join(", ", onMicro)}");
    }
}
