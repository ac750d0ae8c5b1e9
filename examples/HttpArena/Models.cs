using System.Text.Json;
using System.Text.Json.Serialization;

namespace HttpArena;

/// <summary>An item's rating, as the dataset and the database's rating_score and rating_count columns hold it.</summary>
public sealed record Rating(int Score, int Count);

/// <summary>One of the 50 items in dataset.json.</summary>
public sealed record DatasetItem(int Id, string Name, string Category, int Price, int Quantity, bool Active, string[] Tags, Rating Rating);

/// <summary>A dataset item with its total for one request: price × quantity × m.</summary>
public sealed record PricedItem(int Id, string Name, string Category, int Price, int Quantity, bool Active, string[] Tags, Rating Rating, long Total);

/// <summary>A row of the items table, with its rating columns made one object.</summary>
public sealed record Item(int Id, string Name, string Category, int Price, int Quantity, bool Active, string[] Tags, Rating Rating);

/// <summary>The /json answer.</summary>
public sealed record PricedItems(PricedItem[] Items, int Count);

/// <summary>The /async-db answer: the rows and how many there are.</summary>
public sealed record ItemList(List<Item> Items, int Count)
{
    public static ItemList None { get; } = new([], 0);
}

/// <summary>The CRUD list's answer: one page, "load more" style (total is this page's length).</summary>
public sealed record ItemPage(List<Item> Items, int Total, int Page, int Limit);

/// <summary>POST /crud/items: the item to create, or to overwrite if its id exists.</summary>
public sealed record NewItem(int Id, string? Name, string? Category, int Price, int Quantity);

/// <summary>PUT /crud/items/:id: the fields to change.</summary>
public sealed record ItemChange(string? Name, int Price, int Quantity);

/// <summary>What PUT answers: the item's id and its new fields.</summary>
public sealed record ChangedItem(int Id, string Name, int Price, int Quantity);

/// <summary>Source-generated JSON for every type the entry reads or writes, with the web's camelCase names.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DatasetItem[]))]
[JsonSerializable(typeof(PricedItems))]
[JsonSerializable(typeof(ItemList))]
[JsonSerializable(typeof(Item))]
[JsonSerializable(typeof(ItemPage))]
[JsonSerializable(typeof(NewItem))]
[JsonSerializable(typeof(ItemChange))]
[JsonSerializable(typeof(ChangedItem))]
[JsonSerializable(typeof(string[]))]
public sealed partial class ArenaJson : JsonSerializerContext;
