namespace Micro;

/// <summary>The rest of the pipeline after a middleware: call it to go on. A struct, so calling it allocates nothing.</summary>
public readonly struct Next
{
    private readonly Pipeline? _pipeline;
    private readonly int _index;
    private readonly Request? _request;
    private readonly Response? _response;

    internal Next(Pipeline pipeline, int index, Request request, Response response)
    {
        _pipeline = pipeline;
        _index = index;
        _request = request;
        _response = response;
    }

    /// <summary>Runs the next middleware, or the route's handler after the last one.</summary>
    public ValueTask Invoke() => _pipeline!.Run(_index, _request!, _response!);

    /// <summary>Lets a middleware write <c>await next()</c>.</summary>
    public System.Runtime.CompilerServices.ValueTaskAwaiter GetAwaiter() => Invoke().GetAwaiter();
}
