using System.Collections;

namespace Micro.AspNetCore;

/// <summary>
/// A feature collection that is itself most of its features, as Kestrel's connection object is: asking for one of
/// <c>own</c> answers this object, and what middleware sets beside or over them (the response compression middleware
/// replaces the body feature) is found first. Reused with its pooled owner; a request sets a handful, kept in a small
/// array that goes on being reused.
/// </summary>
internal abstract class OwnFeatureCollection : IFeatureCollection
{
    private readonly Type[] _own;
    private readonly nint[] _ownHandles; // the same types as handles: what Get compares, without making a Type of its type argument
    private KeyValuePair<Type, object?>[] _set = new KeyValuePair<Type, object?>[8];
    private nint[] _setHandles = new nint[8]; // the set types' handles, which Get compares
    private int _setCount;
    private int _revision;

    protected OwnFeatureCollection(Type[] own)
    {
        foreach (var type in own)
        {
            if (!type.IsInstanceOfType(this))
            {
                // Get answers this object for each of them without a cast: it must be each of them.
                throw new ArgumentException($"{GetType().Name} is not the {type.Name} it claims as its own.", nameof(own));
            }
        }
        _own = own;
        _ownHandles = Array.ConvertAll(own, type => type.TypeHandle.Value);
    }

    public bool IsReadOnly => false;

    public int Revision => _revision;

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            for (var i = 0; i < _setCount; i++)
            {
                if (_set[i].Key == key)
                {
                    return _set[i].Value;
                }
            }
            foreach (var type in _own)
            {
                if (ReferenceEquals(type, key)) // a type is one object: no virtual Equals per entry, as Array.IndexOf makes
                {
                    return this;
                }
            }
            return null;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _revision++;
            for (var i = 0; i < _setCount; i++)
            {
                if (_set[i].Key == key)
                {
                    _set[i] = new(key, value);
                    return;
                }
            }
            if (_setCount == _set.Length)
            {
                Array.Resize(ref _set, _set.Length * 2);
                Array.Resize(ref _setHandles, _set.Length);
            }
            _setHandles[_setCount] = key.TypeHandle.Value;
            _set[_setCount++] = new(key, value);
        }
    }

    /// <summary>
    /// As the indexer, typed. Asked for by type argument on every request (HttpContext's cached features are
    /// refreshed per request), so an own feature is found by comparing type handles and answered without a cast
    /// (the constructor checked this object is each of them), as Kestrel's generated lookup does.
    /// </summary>
    public TFeature? Get<TFeature>()
    {
        var handle = FeatureHandle<TFeature>.Value;
        for (var i = 0; i < _setCount; i++)
        {
            if (_setHandles[i] == handle)
            {
                return (TFeature?)_set[i].Value;
            }
        }
        foreach (var ownHandle in _ownHandles)
        {
            if (ownHandle == handle)
            {
                object self = this;
                return System.Runtime.CompilerServices.Unsafe.As<object, TFeature>(ref self);
            }
        }
        return default;
    }

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    /// <summary>
    /// A feature type's handle, taken once per type: in the shared code a generic method runs for reference types,
    /// <c>typeof(TFeature).TypeHandle</c> makes the type object from its handle on every call (0.8% of a pipelined
    /// request, through Get alone).
    /// </summary>
    private static class FeatureHandle<TFeature>
    {
        public static readonly nint Value = typeof(TFeature).TypeHandle.Value;
    }

    /// <summary>What the last request's middleware set is forgotten; the revision moves on, so cached lookups are redone.</summary>
    protected void ForgetSetFeatures()
    {
        Array.Clear(_set, 0, _setCount);
        _setCount = 0;
        _revision++;
    }

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (var i = 0; i < _setCount; i++)
        {
            if (_set[i].Value is { } value)
            {
                yield return new(_set[i].Key, value);
            }
        }
        foreach (var type in _own)
        {
            if (!IsSet(type))
            {
                yield return new(type, this);
            }
        }
    }

    private bool IsSet(Type type)
    {
        for (var i = 0; i < _setCount; i++)
        {
            if (_set[i].Key == type)
            {
                return true;
            }
        }
        return false;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
