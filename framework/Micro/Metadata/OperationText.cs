namespace Micro.Metadata;

/// <summary>The words of a route's operation: summary, description, tags, operation id.</summary>
public sealed class OperationText : IDescriptionOnly
{
    internal OperationText(string? summary, string? description, string[] tags, string? operationId) =>
        (Summary, Description, Tags, OperationId) = (summary, description, tags, operationId);

    /// <summary>A one-line summary, or null.</summary>
    public string? Summary { get; }

    /// <summary>A longer description, or null.</summary>
    public string? Description { get; }

    /// <summary>Tags that group the operation.</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>The operation's id, or null.</summary>
    public string? OperationId { get; }

    internal ValueTask Invoke(Request req, Response res, Next next) => next.Invoke();
}
