using Microsoft.Data.Sqlite;

namespace Notes;

/// <summary>
/// The notes, in SQLite. Microsoft.Data.Sqlite's async methods run synchronously, so each call goes to the thread
/// pool (Task.Run): a reactor must never block on a disk, however fast it usually is.
/// </summary>
public sealed class NoteStore
{
    private readonly string _connectionString;

    public NoteStore(string connectionString)
    {
        _connectionString = connectionString;
        using var connection = Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT NOT NULL, owner TEXT NOT NULL, updated_at TEXT NOT NULL, attachment TEXT)";
        create.ExecuteNonQuery();
    }

    public Task<IReadOnlyList<Note>> ListAsync(string? search) => Task.Run<IReadOnlyList<Note>>(() =>
    {
        using var connection = Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT id, title, body, owner, updated_at, attachment FROM notes WHERE $q IS NULL OR title LIKE '%' || $q || '%' ORDER BY id";
        query.Parameters.AddWithValue("$q", (object?)search ?? DBNull.Value);
        return ReadAll(query);
    });

    public Task<Note?> FindAsync(long id) => Task.Run(() =>
    {
        using var connection = Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT id, title, body, owner, updated_at, attachment FROM notes WHERE id = $id";
        query.Parameters.AddWithValue("$id", id);
        return ReadAll(query).SingleOrDefault();
    });

    public Task<Note> AddAsync(NoteInput input, string owner) => Task.Run(() =>
    {
        using var connection = Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO notes (title, body, owner, updated_at) VALUES ($title, $body, $owner, $at) RETURNING id, title, body, owner, updated_at, attachment";
        insert.Parameters.AddWithValue("$title", input.Title);
        insert.Parameters.AddWithValue("$body", input.Body);
        insert.Parameters.AddWithValue("$owner", owner);
        insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O"));
        return ReadAll(insert).Single();
    });

    public Task<Note?> UpdateAsync(long id, NoteInput input) => Task.Run(() =>
    {
        using var connection = Open();
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE notes SET title = $title, body = $body, updated_at = $at WHERE id = $id RETURNING id, title, body, owner, updated_at, attachment";
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$title", input.Title);
        update.Parameters.AddWithValue("$body", input.Body);
        update.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O"));
        return ReadAll(update).SingleOrDefault();
    });

    public Task<bool> DeleteAsync(long id) => Task.Run(() => Execute("DELETE FROM notes WHERE id = $id", ("$id", id)) == 1);

    public Task<bool> AttachAsync(long id, string fileName) =>
        Task.Run(() => Execute("UPDATE notes SET attachment = $file WHERE id = $id", ("$id", id), ("$file", fileName)) == 1);

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static List<Note> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var notes = new List<Note>();
        while (reader.Read())
        {
            notes.Add(new Note(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.Parse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return notes;
    }
}
