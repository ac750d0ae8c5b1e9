using System.ComponentModel.DataAnnotations;

namespace Notes;

/// <summary>A note as the API answers it.</summary>
public sealed record Note(long Id, string Title, string Body, string Owner, DateTimeOffset UpdatedAt, string? Attachment);

/// <summary>A note as a client sends it (to create or replace one): checked by its attributes before a route runs.</summary>
public sealed class NoteInput
{
    [Required, StringLength(120, MinimumLength = 1)]
    public string? Title { get; set; }

    [StringLength(10_000)]
    public string Body { get; set; } = "";
}

/// <summary>What the change feed says: a note was created, updated or deleted.</summary>
public sealed record NoteChange(string Kind, long Id, string? Title);
