namespace Micro.Transport;

/// <summary>
/// A reactor's pool of pinned blocks for input leftovers and output. Used only on its reactor's thread, so it takes
/// no lock. It keeps at most <see cref="_maxRetained"/> free blocks; the rest go back to the GC.
/// </summary>
internal sealed class BlockPool(int blockSize, int maxRetained)
{
    private readonly Stack<byte[]> _free = new();
    private readonly int _maxRetained = maxRetained;

    public int BlockSize { get; } = blockSize;

    /// <summary>A block of at least <paramref name="minimumSize"/> bytes; pooled when that fits a block, otherwise a one-off pinned array.</summary>
    public byte[] Rent(int minimumSize = 0)
    {
        if (minimumSize > BlockSize)
        {
            return GC.AllocateUninitializedArray<byte>(minimumSize, pinned: true);
        }
        return _free.TryPop(out var block) ? block : GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
    }

    public void Return(byte[] block)
    {
        if (block.Length == BlockSize && _free.Count < _maxRetained)
        {
            _free.Push(block);
        }
    }
}
