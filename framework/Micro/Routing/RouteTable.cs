using System.Text;
using Micro.Parser;

namespace Micro.Routing;

/// <summary>
/// Routes by path segment in a tree: static segments first, then a <c>:parameter</c>, then a <c>*wildcard</c>,
/// backing out of a branch that does not lead to a handler for the method. Matching allocates nothing: captured
/// values come back as ranges of the path. A trailing slash is ignored (<c>/users/</c> is <c>/users</c>), static
/// segments are compared to the path as sent (still percent-encoded), and HEAD is served by a GET route when no
/// HEAD route exists.
/// </summary>
public sealed class RouteTable<T> where T : class
{
    private readonly Node _root = new();

    /// <summary>The most values any route captures: the size a captures span must have.</summary>
    public int MaxCaptures { get; private set; }

    /// <summary>Adds <paramref name="handler"/> for <paramref name="method"/> ("GET", "POST", ..., or "*" for every method) on <paramref name="pattern"/>.</summary>
    public void Add(string method, string pattern, T handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        foreach (var parsed in RoutePattern.Parse(pattern))
        {
            var node = _root;
            foreach (var segment in parsed.Segments)
            {
                node = segment.Kind switch
                {
                    RouteSegmentKind.Static => node.StaticChild(segment.Bytes),
                    RouteSegmentKind.Parameter => node.Parameter ??= new Node(),
                    _ => node.Wildcard ??= new Node(),
                };
            }
            (node.Endpoints ??= new Endpoints()).Add(method, handler, parsed);
            MaxCaptures = Math.Max(MaxCaptures, parsed.ParameterNames.Length);
        }
    }

    /// <summary>Finds the handler for <paramref name="method"/> on <paramref name="path"/> (percent-encoded, as in the request), filling <paramref name="captures"/>.</summary>
    public RouteMatch<T> Match(ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, Span<ByteRange> captures) =>
        Match(RequestMethod.Unknown, method, path, captures);

    /// <summary>
    /// As <see cref="Match(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{ByteRange})"/>, with the method as the parser
    /// classified it (<see cref="RequestHead.Method"/>): a standard method finds its handler by index, not by comparing
    /// bytes; <see cref="RequestMethod.Unknown"/> or <see cref="RequestMethod.Extension"/> compares <paramref name="method"/>.
    /// </summary>
    public RouteMatch<T> Match(RequestMethod known, ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, Span<ByteRange> captures)
    {
        if (captures.Length < MaxCaptures)
        {
            throw new ArgumentException($"captures must hold at least {MaxCaptures} ranges.", nameof(captures));
        }
        var start = path.Length > 0 && path[0] == '/' ? 1 : 0;
        var end = path.Length;
        if (end > start && path[end - 1] == '/')
        {
            end--; // trailing slash
        }
        var search = new Search(known, method, path[..end], captures);
        if (Walk(_root, start, ref search))
        {
            return new RouteMatch<T>(RouteMatchStatus.Found, search.Found!.Handler, search.Found.Names, search.Count, null);
        }
        return search.PathMatched is { } node
            ? new RouteMatch<T>(RouteMatchStatus.MethodNotAllowed, null, [], 0, node.Allow)
            : new RouteMatch<T>(RouteMatchStatus.NotFound, null, [], 0, null);
    }

    private static bool Walk(Node node, int position, ref Search search)
    {
        var path = search.Path;
        if (position >= path.Length)
        {
            if (node.Endpoints is { } endpoints && search.TryTake(endpoints))
            {
                return true;
            }
            // A wildcard also matches nothing at all: "/files/*" matches "/files".
            if (node.Wildcard?.Endpoints is { } rest)
            {
                search.Captures[search.Count++] = new ByteRange(path.Length, 0);
                if (search.TryTake(rest))
                {
                    return true;
                }
                search.Count--;
            }
            return false;
        }
        var slash = path[position..].IndexOf((byte)'/');
        var segmentEnd = slash < 0 ? path.Length : position + slash;
        var segment = path[position..segmentEnd];
        var next = segmentEnd + 1;

        if (node.FindStatic(segment) is { } child && Walk(child, next, ref search))
        {
            return true;
        }
        if (node.Parameter is { } parameter && segment.Length > 0)
        {
            search.Captures[search.Count++] = new ByteRange(position, segment.Length);
            if (Walk(parameter, next, ref search))
            {
                return true;
            }
            search.Count--;
        }
        if (node.Wildcard?.Endpoints is { } wildcard)
        {
            search.Captures[search.Count++] = new ByteRange(position, path.Length - position);
            if (search.TryTake(wildcard))
            {
                return true;
            }
            search.Count--;
        }
        return false;
    }

    private ref struct Search(RequestMethod known, ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, Span<ByteRange> captures)
    {
        public readonly RequestMethod Known = known;
        public readonly ReadOnlySpan<byte> Method = method;
        public readonly ReadOnlySpan<byte> Path = path;
        public readonly Span<ByteRange> Captures = captures;
        public int Count;
        public Endpoint? Found;
        public Endpoints? PathMatched;

        /// <summary>Takes the endpoint's handler for the method; remembers the first path that matched without one, for 405.</summary>
        public bool TryTake(Endpoints endpoints)
        {
            if (endpoints.Find(Known, Method) is { } found)
            {
                Found = found;
                return true;
            }
            PathMatched ??= endpoints;
            return false;
        }
    }

    private sealed class Node
    {
        private byte[][] _keys = [];
        private Node[] _children = [];

        public Node? Parameter;
        public Node? Wildcard;
        public Endpoints? Endpoints;

        public Node StaticChild(byte[] key)
        {
            var index = IndexOf(key);
            if (index >= 0)
            {
                return _children[index];
            }
            // Kept sorted (by length, then bytes), so a node with hundreds of static children is searched in a few comparisons.
            index = ~index;
            var node = new Node();
            _keys = [.. _keys[..index], key, .. _keys[index..]];
            _children = [.. _children[..index], node, .. _children[index..]];
            return node;
        }

        public Node? FindStatic(ReadOnlySpan<byte> segment)
        {
            var index = IndexOf(segment);
            return index >= 0 ? _children[index] : null;
        }

        private int IndexOf(ReadOnlySpan<byte> key)
        {
            int low = 0, high = _keys.Length - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var candidate = _keys[middle];
                // Lengths first: most segments that differ differ there, and telling them apart needs no call.
                var order = candidate.Length != key.Length ? candidate.Length - key.Length : candidate.AsSpan().SequenceCompareTo(key);
                if (order == 0)
                {
                    return middle;
                }
                if (order < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }
            return ~low;
        }
    }

    /// <summary>A handler and the names of the values its pattern captures.</summary>
    private sealed record Endpoint(T Handler, string[] Names);

    private sealed class Endpoints
    {
        private readonly List<(byte[] Method, Endpoint Endpoint)> _byMethod = [];
        private Endpoint? _any;

        /// <summary>The answer for each standard method, fallbacks included ("*", GET for HEAD): found by index.</summary>
        private readonly Endpoint?[] _byKnownMethod = new Endpoint?[(int)RequestMethod.Extension + 1];

        public string Allow { get; private set; } = "";

        public void Add(string method, T handler, RoutePattern pattern)
        {
            var endpoint = new Endpoint(handler, pattern.ParameterNames);
            if (method == "*")
            {
                _any = endpoint;
            }
            else
            {
                var bytes = Encoding.ASCII.GetBytes(method.ToUpperInvariant());
                if (_byMethod.Any(e => e.Method.AsSpan().SequenceEqual(bytes)))
                {
                    throw new InvalidOperationException($"{method} {pattern.Text} is already routed.");
                }
                _byMethod.Add((bytes, endpoint));
            }
            var methods = _byMethod.Select(e => Encoding.ASCII.GetString(e.Method)).ToList();
            if (methods.Contains("GET") && !methods.Contains("HEAD"))
            {
                methods.Add("HEAD");
            }
            Allow = string.Join(", ", methods);
            for (var known = RequestMethod.Get; known < RequestMethod.Extension; known++)
            {
                _byKnownMethod[(int)known] = FindByName(Encoding.ASCII.GetBytes(HttpGrammar.MethodName(known)!));
            }
        }

        public Endpoint? Find(RequestMethod known, ReadOnlySpan<byte> method) =>
            known is RequestMethod.Unknown or RequestMethod.Extension ? FindByName(method) : _byKnownMethod[(int)known];

        private Endpoint? FindByName(ReadOnlySpan<byte> method)
        {
            foreach (var (name, endpoint) in _byMethod)
            {
                if (name.AsSpan().SequenceEqual(method))
                {
                    return endpoint;
                }
            }
            if (_any is { } any)
            {
                return any;
            }
            if (method.SequenceEqual("HEAD"u8))
            {
                return FindByName("GET"u8);
            }
            return null;
        }
    }
}

/// <summary>The result of <see cref="RouteTable{T}.Match(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{ByteRange})"/>: the handler, and the names of the values captured.</summary>
public readonly struct RouteMatch<T>(RouteMatchStatus status, T? handler, string[] parameterNames, int captureCount, string? allow)
    where T : class
{
    /// <summary>Found, NotFound or MethodNotAllowed.</summary>
    public RouteMatchStatus Status { get; } = status;

    /// <summary>The handler, when found.</summary>
    public T? Handler { get; } = handler;

    /// <summary>The parameter names, in the order of the captured ranges.</summary>
    public string[] ParameterNames { get; } = parameterNames;

    /// <summary>How many ranges of the captures span were filled.</summary>
    public int CaptureCount { get; } = captureCount;

    /// <summary>The methods the path does allow, for the Allow header of a 405.</summary>
    public string? Allow { get; } = allow;
}
