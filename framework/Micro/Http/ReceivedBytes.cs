using System.Buffers;

namespace Micro.Http;

/// <summary>
/// Bytes of a request that an exchange holds: borrowed from the connection's receive buffer (valid only until the
/// handler's synchronous part returns, since the buffer is then reused) or owned, in a pooled array, until
/// released. A mutable struct kept in a field: call its methods on the field itself, never on a copy.
/// </summary>
internal struct ReceivedBytes
{
    private byte[]? _array;
    private int _offset;
    private int _length;
    private bool _owned;

    /// <summary>Bytes lent in place: no copy.</summary>
    public static ReceivedBytes Borrow(byte[] array, int offset, int length) => new() { _array = array, _offset = offset, _length = length };

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="pooledArray"/>, rented from <see cref="ArrayPool{T}.Shared"/>; returned on release.</summary>
    public static ReceivedBytes Own(byte[] pooledArray, int length) => new() { _array = pooledArray, _length = length, _owned = true };

    public readonly int Length => _length;

    public readonly bool IsOwned => _owned;

    public readonly bool IsEmpty => _length == 0;

    public readonly ReadOnlySpan<byte> Span => _array.AsSpan(_offset, _length);

    /// <summary>The bytes as memory: only once owned, since memory outlives the call that lent the bytes.</summary>
    public readonly ReadOnlyMemory<byte> Memory
    {
        get
        {
            if (!_owned && _length > 0)
            {
                throw new InvalidOperationException("Borrowed bytes cannot be handed out as memory; own them first.");
            }
            return _array.AsMemory(_offset, _length);
        }
    }

    /// <summary>Copies borrowed bytes into a pooled array of their own (once; owned bytes stay as they are).</summary>
    public void EnsureOwned()
    {
        if (_owned || _length == 0)
        {
            return;
        }
        var copy = ArrayPool<byte>.Shared.Rent(_length);
        _array.AsSpan(_offset, _length).CopyTo(copy);
        this = Own(copy, _length);
    }

    /// <summary>Returns an owned array to the pool and forgets the bytes.</summary>
    public void Release()
    {
        if (_owned && _array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        this = default;
    }
}
