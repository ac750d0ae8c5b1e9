using Micro.Transport;
using Microsoft.Extensions.Logging;

namespace Micro.AspNetCore;

/// <summary>
/// What one pass of a <see cref="ConnectionLane"/> hands its reactor, run there in order: the ends of the requests
/// that completed while the lane ran them. Most are whole responses packed here on the lane (status, header lines,
/// body, in one array), so the reactor copies a few contiguous bytes into the exchange and never touches the run that
/// made them: the run was reset on the lane and serves the lane's next request while still in that core's cache,
/// where handing the run itself to the reactor moved its cache lines between cores twice per request. Others are a
/// callback on their run (a response to be finished there). Reused: back to its pool after the reactor ran it.
/// </summary>
internal sealed class LaneBatch(LaneBatchPool pool)
{
    /// <summary>Bytes kept between passes; a batch that grew past this lets its array go.</summary>
    private const int KeptBytes = 64 * 1024;

    private readonly List<Item> _items = [];
    private byte[] _bytes = new byte[2048];
    private int _used;

    public static readonly SendOrPostCallback Run = static state => ((LaneBatch)state!).RunItems();

    /// <summary>A callback for the reactor, in order with the packed responses.</summary>
    public void Add(SendOrPostCallback callback, object state) => _items.Add(new Item(callback, state, default));

    /// <summary>Where the next packed response's bytes begin.</summary>
    public int Used => _used;

    /// <summary>Appends a packed response's bytes (the array grows as needed; a batch is one pass's responses, each bounded).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_used + bytes.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_used + bytes.Length, _bytes.Length * 2));
        }
        bytes.CopyTo(_bytes.AsSpan(_used));
        _used += bytes.Length;
    }

    /// <summary>Takes back what was appended since <paramref name="mark"/> (a response that could not be packed after all).</summary>
    public void Truncate(int mark) => _used = mark;

    public void AddPacked(in PackedResponse response) => _items.Add(new Item(null, null, response));

    private void RunItems()
    {
        try
        {
            var items = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_items);
            for (var i = 0; i < items.Length; i++)
            {
                ref readonly var item = ref items[i];
                PrefetchAhead(items, i);
                if (item.Callback is { } callback)
                {
                    callback(item.State);
                }
                else
                {
                    Apply(item.Packed);
                }
            }
        }
        finally
        {
            _items.Clear();
            _used = 0;
            if (_bytes.Length > KeptBytes)
            {
                _bytes = new byte[2048];
            }
            pool.Return(this);
        }
    }

    /// <summary>
    /// The lane wrote the requests of the responses ahead on its core: asked for now, their lines load while this one
    /// is applied (the request two ahead, whose own fields the next step reads; the next one's exchange, its fields
    /// asked for a step ago).
    /// </summary>
    private static void PrefetchAhead(ReadOnlySpan<Item> items, int current)
    {
        if (current + 2 < items.Length)
        {
            CacheLines.Prefetch(items[current + 2].Packed.Request, 2);
        }
        if (current + 1 < items.Length && items[current + 1].Packed.Request is { } next)
        {
            next.Prefetch();
        }
    }

    /// <summary>On the reactor: a packed response to its exchange, then the connection moves on.</summary>
    private void Apply(in PackedResponse response)
    {
        var request = response.Request;
        var exchange = request.Exchange;
        if (exchange is not null && !exchange.RequestAborted.IsCancellationRequested && !exchange.IsCompleted)
        {
            try
            {
                var bytes = _bytes.AsSpan(response.Start);
                if (response.Close)
                {
                    exchange.RequireClose();
                }
                exchange.StatusCode = response.Status;
                if (response.ServerLength >= 0)
                {
                    exchange.SetServerHeader(bytes.Slice(response.HeadLength, response.ServerLength));
                }
                var lines = bytes[..response.HeadLength];
                if (response.BodylessLength >= 0)
                {
                    exchange.AddHeaderLines(lines);
                    exchange.StartStreaming(response.BodylessLength); // HEAD says how long GET's body would be, and sends none
                    exchange.Complete();
                }
                else
                {
                    exchange.CompleteWith(lines, bytes.Slice(response.HeadLength + Math.Max(0, response.ServerLength), response.BodyLength));
                }
            }
            catch (Exception exception)
            {
                response.Logger.LogError(exception, "Completing the response to {Request} failed.", exchange.ToString());
                exchange.Fail();
            }
        }
        request.Complete();
    }

    private readonly record struct Item(SendOrPostCallback? Callback, object? State, PackedResponse Packed);
}

/// <summary>
/// A response packed on the lane: at <see cref="Start"/> in its batch's bytes, its header lines (checked, the
/// framing ones left out), then the Server header's value if the app set one, then the body.
/// </summary>
internal readonly record struct PackedResponse(
    PendingRequest Request, int Status, bool Close, int Start, int HeadLength, int ServerLength, int BodyLength, long BodylessLength, ILogger Logger);
