namespace Micro.AspNetCore;

/// <summary>A connection's id as ASP.NET Core apps see it (<c>HttpContext.Connection.Id</c>), in Kestrel's form.</summary>
internal static class ConnectionIds
{
    /// <summary>
    /// The connection's number (seeded by the clock at start, so ids differ between runs and instances) in 13
    /// characters of base32, as Kestrel writes its ids ("0HNQK9UJGQV05").
    /// </summary>
    public static string Format(long id) => string.Create(13, id, static (chars, value) =>
    {
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUV"[(int)(value & 31)];
            value >>>= 5;
        }
    });
}
