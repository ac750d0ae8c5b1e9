using Microsoft.AspNetCore.Connections.Features;

namespace Micro.AspNetCore;

/// <summary>The connection's features a request finds among its own, as on Kestrel (<see cref="ConnectionFeatures"/>).</summary>
internal abstract partial class RequestFeatures : IConnectionItemsFeature, IConnectionCompleteFeature, IPersistentStateFeature,
    IConnectionMetricsTagsFeature
{
    /// <summary>Where the connection's completion callbacks that throw are reported.</summary>
    protected abstract Microsoft.Extensions.Logging.ILogger ConnectionLogger { get; }

    private ConnectionFeatures OfConnection => ConnectionFeatures.Of(
        _connection ?? throw new InvalidOperationException("The request is over: its connection's features are no longer its own."), _givenAborted, ConnectionLogger);

    IDictionary<object, object?> IConnectionItemsFeature.Items
    {
        get => OfConnection.Items;
        set => OfConnection.Items = value;
    }

    void IConnectionCompleteFeature.OnCompleted(Func<object, Task> callback, object state) => OfConnection.OnCompleted(callback, state);

    IDictionary<object, object?> IPersistentStateFeature.State => OfConnection.State;

    ICollection<KeyValuePair<string, object?>> IConnectionMetricsTagsFeature.Tags => OfConnection.MetricsTags(_connection!.Observation);
}
