using System.Text.Json;

namespace HttpArena;

/// <summary>dataset.json, read once at startup: the items /json prices per request.</summary>
public sealed class Dataset(DatasetItem[] items)
{
    public int Count => items.Length;

    public static Dataset Load(string path)
    {
        using var file = File.OpenRead(path);
        var items = JsonSerializer.Deserialize(file, ArenaJson.Default.DatasetItemArray)
            ?? throw new InvalidDataException($"{path} holds no items.");
        return new Dataset(items);
    }

    /// <summary>The first <paramref name="count"/> items (at most all of them), each with its total for multiplier <paramref name="m"/>: new objects every request, as the profile asks.</summary>
    public PricedItems Price(int count, int m)
    {
        var priced = new PricedItem[Math.Clamp(count, 0, items.Length)];
        for (var i = 0; i < priced.Length; i++)
        {
            var item = items[i];
            priced[i] = new PricedItem(item.Id, item.Name, item.Category, item.Price, item.Quantity, item.Active, item.Tags, item.Rating, (long)item.Price * item.Quantity * m);
        }
        return new PricedItems(priced, priced.Length);
    }
}
