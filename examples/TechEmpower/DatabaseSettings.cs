namespace TechEmpower;

/// <summary>Which database to use, from the command line (--postgres, --sqlite) or POSTGRES_CONNECTION; the other arguments go to the server.</summary>
public sealed record DatabaseSettings(string? PostgresConnection, string SqlitePath, string[] ServerArguments)
{
    /// <summary>The SQLite file used when no path is given: beside the app, so every run finds the same one.</summary>
    public static string DefaultSqlitePath => Path.Combine(AppContext.BaseDirectory, "techempower.db");

    public static DatabaseSettings From(string[] args, string? postgresFromEnvironment)
    {
        string? postgres = string.IsNullOrWhiteSpace(postgresFromEnvironment) ? null : postgresFromEnvironment;
        var sqlite = DefaultSqlitePath;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--postgres":
                    postgres = Value(args, ref i);
                    break;
                case "--sqlite":
                    sqlite = Value(args, ref i);
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }
        return new DatabaseSettings(postgres, sqlite, [.. rest]);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length || string.IsNullOrWhiteSpace(args[i + 1]))
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }
        return args[++i];
    }
}
