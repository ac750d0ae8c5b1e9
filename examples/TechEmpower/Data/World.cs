namespace TechEmpower.Data;

/// <summary>A row of the World table: serialized as {"id":N,"randomNumber":M}.</summary>
public readonly record struct World(int Id, int RandomNumber);
