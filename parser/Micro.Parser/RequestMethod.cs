namespace Micro.Parser;

/// <summary>The request methods the parser recognises without comparing strings; any other token is <see cref="Extension"/>.</summary>
public enum RequestMethod : byte
{
    /// <summary>Not parsed yet.</summary>
    Unknown,
    /// <summary>GET</summary>
    Get,
    /// <summary>HEAD</summary>
    Head,
    /// <summary>POST</summary>
    Post,
    /// <summary>PUT</summary>
    Put,
    /// <summary>DELETE</summary>
    Delete,
    /// <summary>PATCH</summary>
    Patch,
    /// <summary>OPTIONS</summary>
    Options,
    /// <summary>TRACE</summary>
    Trace,
    /// <summary>CONNECT</summary>
    Connect,
    /// <summary>A valid method token that is none of the above; read its bytes from <see cref="RequestHead.MethodRange"/>.</summary>
    Extension,
}
