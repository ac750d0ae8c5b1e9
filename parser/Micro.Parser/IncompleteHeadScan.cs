namespace Micro.Parser;

/// <summary>
/// What an earlier call proved about a head that had not ended yet: every line before <see cref="LineStart"/> is
/// complete and not empty, and no LF lies between <see cref="LineStart"/> and <see cref="ScannedTo"/>. The next call
/// looks for the end of the head only in bytes past <see cref="ScannedTo"/>.
/// </summary>
internal struct IncompleteHeadScan
{
    /// <summary>True once a first attempt has been made on this head.</summary>
    public bool Started;

    /// <summary>Where the request line starts, after any empty lines that precede it.</summary>
    public int RequestStart;

    /// <summary>Where the header section starts, or 0 while the request line has not ended.</summary>
    public int HeadersStart;

    /// <summary>The start of the line that has not ended yet.</summary>
    public int LineStart;

    /// <summary>The first byte not yet searched for LF.</summary>
    public int ScannedTo;

    /// <summary>Header lines seen so far.</summary>
    public int HeaderLines;
}
