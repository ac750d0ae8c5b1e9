namespace Micro.Metadata;

/// <summary>The shape of an RFC 9457 problem, as Micro answers one (for documents that describe it).</summary>
public sealed record ProblemDetailsShape(string Type, string Title, int Status, string? Detail, IDictionary<string, string[]>? Errors);
