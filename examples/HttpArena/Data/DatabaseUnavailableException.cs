namespace HttpArena.Data;

/// <summary>The entry was started without a database, or the database cannot be reached: the CRUD routes answer 503.</summary>
public sealed class DatabaseUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
