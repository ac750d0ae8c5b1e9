namespace TechEmpower.Data;

/// <summary>A row of the Fortune table.</summary>
public sealed record Fortune(int Id, string Message);
