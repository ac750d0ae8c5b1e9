using System.Numerics;
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
    private bool _owned;  // the bytes are the exchange's: the receive buffer may be reused
    private bool _pooled; // and in an array rented from the shared pool, returned on release

    /// <summary>Bytes lent in place: no copy.</summary>
    public static ReceivedBytes Borrow(byte[] array, int offset, int length) => new() { _array = array, _offset = offset, _length = length };

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="pooledArray"/>, rented from <see cref="ArrayPool{T}.Shared"/>; returned on release.</summary>
    public static ReceivedBytes Own(byte[] pooledArray, int length) => new() { _array = pooledArray, _length = length, _owned = true, _pooled = true };

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

    /// <summary>
    /// As <see cref="EnsureOwned()"/>, into <paramref name="store"/> (grown to fit, up to <paramref name="largest"/> bytes)
    /// rather than a rented array: an exchange keeps its store, so a head copied on every request (a handler that goes
    /// async, a request run on another thread) rents nothing. Larger bytes are copied as EnsureOwned copies them.
    /// </summary>
    public void EnsureOwned(ref byte[]? store, int largest)
    {
        if (_owned || _length == 0)
        {
            return;
        }
        if (_length > largest)
        {
            EnsureOwned();
            return;
        }
        if (store is null || store.Length < _length)
        {
            store = new byte[Math.Min(largest, Math.Max(512, (int)BitOperations.RoundUpToPowerOf2((uint)_length)))];
        }
        _array.AsSpan(_offset, _length).CopyTo(store);
        this = new ReceivedBytes { _array = store, _length = _length, _owned = true };
    }

    /// <summary>Returns an owned array to the pool and forgets the bytes.</summary>
    public void Release()
    {
        if (_pooled && _array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        this = default;
    }
}
