using System.Buffers;
using System.IO.Compression;

namespace Micro.Compression;

/// <summary>
/// One response's compression: what the client accepts, and for a streamed response its encoder. Kept with the
/// <see cref="Response"/> and reused, so a response that is not compressed allocates nothing for it.
/// </summary>
internal sealed class CompressionContext : IResponseBodyFilter, Http.IResponseHeadHook
{
    private StreamCompressor? _stream;
    private bool _streamDecided;
    private bool _varied;

    public CompressionOptions Options { get; private set; } = null!;

    public AcceptEncoding Accept { get; private set; }

    /// <summary>The coding for this response: the client's best of those enabled.</summary>
    public ContentCoding Coding { get; private set; }

    public void Start(CompressionOptions options, AcceptEncoding accept)
    {
        Options = options;
        Accept = accept with { Brotli = options.Brotli ? accept.Brotli : 0, Gzip = options.Gzip ? accept.Gzip : 0 };
        Coding = Accept.Best;
        _stream = null;
        _streamDecided = _varied = false;
    }

    /// <summary>
    /// As <see cref="Start"/> for a request without Accept-Encoding (most API clients, load generators): identity,
    /// set without copying the struct about (the general case costs failed store-to-load forwarding).
    /// </summary>
    public void StartIdentity(CompressionOptions options)
    {
        if (!ReferenceEquals(Options, options))
        {
            Options = options; // written only when it changes: a reference stored per request costs a write barrier
        }
        Accept = default;
        Coding = ContentCoding.Identity;
        _stream = null;
        _streamDecided = _varied = false;
    }

    /// <summary>
    /// A response to a request without Accept-Encoding, as its head is written: nothing is compressed, and a
    /// compressible one says <c>Vary: Accept-Encoding</c> (it would differ for a client that sent one).
    /// </summary>
    ReadOnlySpan<byte> Http.IResponseHeadHook.BeforeHead(Http.HttpExchange exchange, ReadOnlySpan<byte> contentType)
    {
        if (!_varied && (exchange.TryGetHeader(Http.KnownResponseHeader.ContentType, out var type) ? IsCompressible(type) : !contentType.IsEmpty && IsCompressible(contentType))
            && !exchange.TryGetHeader(Http.KnownResponseHeader.ContentEncoding, out _))
        {
            _varied = true;
            return VaryLine;
        }
        return default;
    }

    private static ReadOnlySpan<byte> VaryLine => "Vary: Accept-Encoding\r\n"u8;

    /// <summary>Says the response would differ for another Accept-Encoding: once, whichever step sees it first.</summary>
    private void Vary(Http.HttpExchange exchange)
    {
        if (!_varied)
        {
            _varied = true;
            exchange.AddFrameworkLine(Http.KnownResponseHeader.Vary, VaryLine);
        }
    }

    /// <summary>Starts the stream now (an event stream opens before its first event): compressed or not is decided here.</summary>
    public void Open(Response response)
    {
        DecideStream(response);
        response.Exchange.StartStreaming(Http.ResponseFramer.UnknownLength); // the compressed data begins with the first chunk
    }

    /// <summary>A streamed chunk: compressed and flushed when the response is compressible, else as it is.</summary>
    public ValueTask WriteAsync(Response response, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        DecideStream(response);
        if (_stream is null)
        {
            return response.Exchange.WriteAsync(chunk, cancellationToken);
        }
        var compressed = _stream.Compress(chunk.Span);
        return compressed.IsEmpty ? default : response.Exchange.WriteAsync(compressed, cancellationToken); // copied before it returns
    }

    private void DecideStream(Response response)
    {
        if (!_streamDecided)
        {
            _streamDecided = true;
            if (ShouldCompress(response))
            {
                MarkEncoded(response);
                _stream = new StreamCompressor(Coding, Options.Level);
            }
        }
    }

    /// <summary>After the handler: ends a compressed stream, or compresses a buffered body that is worth it.</summary>
    public ValueTask FinishAsync(Response response)
    {
        if (_stream is { } stream)
        {
            _stream = null;
            var tail = stream.Finish();
            return tail.IsEmpty ? default : response.Exchange.WriteAsync(tail); // copied before it returns
        }
        if (!_streamDecided && !response.Exchange.HasStarted)
        {
            CompressBuffered(response);
        }
        return default;
    }

    /// <summary>Releases an encoder the response did not finish (its handler failed).</summary>
    public void Abandon()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>
    /// The precompressed sibling of the file at <paramref name="path"/> to send instead (<c>.br</c>, <c>.gz</c>), by the
    /// client's preference among those that exist; null for the file itself. A file that has a sibling varies by
    /// Accept-Encoding whichever is sent.
    /// </summary>
    public (string Path, string Encoding)? ChooseFileVariant(Response response, string path)
    {
        var brotli = Options.Brotli && File.Exists(path + ".br");
        var gzip = Options.Gzip && File.Exists(path + ".gz");
        if (!brotli && !gzip)
        {
            return null;
        }
        Vary(response.Exchange);
        if (Coding == ContentCoding.Identity)
        {
            return null; // nothing the client sent takes a coding
        }
        var choice = Accept.Best;
        if ((choice == ContentCoding.Brotli && !brotli) || (choice == ContentCoding.Gzip && !gzip))
        {
            choice = Accept.BestExcept(choice);
        }
        return choice switch
        {
            ContentCoding.Brotli when brotli => (path + ".br", "br"),
            ContentCoding.Gzip when gzip => (path + ".gz", "gzip"),
            _ => null,
        };
    }

    private void CompressBuffered(Response response)
    {
        var exchange = response.Exchange;
        var length = exchange.BufferedBodyLength;
        if (length == 0 || !ShouldCompress(response) || (length < Options.MinimumSize && !Accept.IdentityRefused))
        {
            return;
        }
        var original = new ArrayBufferWriter<byte>((int)length);
        exchange.DrainBufferedBody(original);
        using (var encoder = Encoder(new BufferWriterStream(exchange.BodyWriter)))
        {
            encoder.Write(original.WrittenSpan);
        }
        MarkEncoded(response);
    }

    /// <summary>Compressible (by its type, its status, no coding of its own) and accepted: then it is compressed. Says Vary either way.</summary>
    private bool ShouldCompress(Response response)
    {
        // Read as bytes where they are kept, by index: a response that is not compressed pays no string and no search for being looked at.
        var exchange = response.Exchange;
        if (!exchange.TryGetHeader(Http.KnownResponseHeader.ContentType, out var contentType) || !IsCompressible(contentType)
            || exchange.TryGetHeader(Http.KnownResponseHeader.ContentEncoding, out _))
        {
            return false;
        }
        Vary(exchange); // this response would differ for another Accept-Encoding
        return Coding != ContentCoding.Identity && Http.ResponseFramer.AllowsBody(response.StatusCode) && !exchange.TryGetHeader(Http.KnownResponseHeader.ContentRange, out _);
    }

    /// <summary>
    /// Whether <paramref name="contentType"/> is worth compressing, remembered for the last type this context saw (a
    /// route answers with one type, and a connection's requests mostly go to one route): the next response of that type
    /// is one comparison, not a parse and a search of the types.
    /// </summary>
    private bool IsCompressible(ReadOnlySpan<byte> contentType)
    {
        if (_typeSeenLength >= 0 && contentType.SequenceEqual(_typeSeen.AsSpan(0, _typeSeenLength)) && ReferenceEquals(_typeSeenOptions, Options))
        {
            return _typeCompressible;
        }
        _typeCompressible = Options.IsCompressible(contentType);
        if (contentType.Length <= _typeSeen.Length)
        {
            contentType.CopyTo(_typeSeen);
            (_typeSeenLength, _typeSeenOptions) = (contentType.Length, Options);
        }
        else
        {
            _typeSeenLength = -1; // a type this long is not remembered
        }
        return _typeCompressible;
    }

    private readonly byte[] _typeSeen = new byte[64];
    private int _typeSeenLength = -1;
    private CompressionOptions? _typeSeenOptions; // an app with two UseCompression (a router's own) has two sets of types
    private bool _typeCompressible;

    /// <summary>Content-Encoding, and an ETag of its own: the encoded bytes are another representation.</summary>
    private void MarkEncoded(Response response)
    {
        var token = Coding == ContentCoding.Brotli ? "br" : "gzip";
        response.Exchange.SetHeader("Content-Encoding", token);
        if (response.GetHeader("ETag") is { Length: > 1 } etag && etag[^1] == '"')
        {
            response.Exchange.SetHeader("ETag", $"{etag[..^1]}-{token}\"");
        }
    }

    private Stream Encoder(Stream sink) =>
        Coding == ContentCoding.Brotli ? new BrotliStream(sink, Options.Level) : new GZipStream(sink, Options.Level);
}
