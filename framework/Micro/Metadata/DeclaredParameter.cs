namespace Micro.Metadata;

/// <summary>A parameter the route reads, declared with its type.</summary>
public sealed class DeclaredParameter : IDescriptionOnly
{
    internal DeclaredParameter(string name, Type type, ParameterSource source, bool required, string? description)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        (Name, Type, Source, IsRequired, Description) = (name, type, source, required || source == ParameterSource.Path, description);
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The type its value parses to.</summary>
    public Type Type { get; }

    /// <summary>Where it is read from.</summary>
    public ParameterSource Source { get; }

    /// <summary>Whether a request must carry it (a path parameter always does, unless optional in the pattern).</summary>
    public bool IsRequired { get; }

    /// <summary>What it means, or null.</summary>
    public string? Description { get; }

    internal ValueTask Invoke(Request req, Response res, Next next) => next.Invoke();
}
