namespace Micro.Transport;

/// <summary>
/// A reactor's pool of pinned blocks for input leftovers and output. Used only on its reactor's thread, so it takes
/// no lock. It keeps at most <see cref="_maxRetained"/> free blocks; the rest go back to the GC.
/// </summary>
internal sealed class BlockPool(int blockSize, int maxRetained)
{
    private readonly Stack<byte[]> _free = new();
    private readonly int _maxRetained = maxRetained;
    private IdleSurplus _surplus;

    /// <summary>Free blocks kept through any quiet time: enough for a few connections' output without allocating.</summary>
    private const int Floor = 16;

    [ThreadStatic]
    private static long t_blocksAllocated;

    public int BlockSize { get; } = blockSize;

    /// <summary>
    /// Blocks of <see cref="BlockSize"/> allocated on the calling thread (a reactor's pool is used on its thread only):
    /// the pool growing to what its connections hold at once, which the allocation tests tell apart from per-request garbage.
    /// </summary>
    internal static long BlocksAllocatedOnThisThread => t_blocksAllocated;

    /// <summary>A block of at least <paramref name="minimumSize"/> bytes; pooled when that fits a block, otherwise a one-off pinned array.</summary>
    public byte[] Rent(int minimumSize = 0)
    {
        if (minimumSize > BlockSize)
        {
            return GC.AllocateUninitializedArray<byte>(minimumSize, pinned: true);
        }
        if (_free.TryPop(out var block))
        {
            _surplus.Note(_free.Count);
            return block;
        }
        _surplus.Note(0);
        t_blocksAllocated++;
        return GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
    }

    public void Return(byte[] block)
    {
        if (block.Length == BlockSize && _free.Count < _maxRetained)
        {
            _free.Push(block);
        }
    }

    /// <summary>Lets go of half the blocks no rent needed since the last call (the reactor's tick); returns the bytes let go.</summary>
    public long TrimIdle()
    {
        var surplus = _surplus.Take(_free.Count, Floor);
        for (var i = 0; i < surplus; i++)
        {
            _free.Pop();
        }
        return (long)surplus * BlockSize;
    }
}
