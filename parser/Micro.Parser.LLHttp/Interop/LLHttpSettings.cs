using System.Runtime.InteropServices;

namespace Micro.Parser.LLHttp.Interop;

/// <summary>llhttp_settings_t (llhttp 8.1): one callback pointer per event, in header order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LLHttpSettings
{
    public delegate* unmanaged<LLHttpParser*, int> OnMessageBegin;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnUrl;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnStatus;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnMethod;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnVersion;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnHeaderField;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnHeaderValue;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnChunkExtensionName;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnChunkExtensionValue;
    public delegate* unmanaged<LLHttpParser*, int> OnHeadersComplete;
    public delegate* unmanaged<LLHttpParser*, byte*, nuint, int> OnBody;
    public delegate* unmanaged<LLHttpParser*, int> OnMessageComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnUrlComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnStatusComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnMethodComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnVersionComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnHeaderFieldComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnHeaderValueComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnChunkExtensionNameComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnChunkExtensionValueComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnChunkHeader;
    public delegate* unmanaged<LLHttpParser*, int> OnChunkComplete;
    public delegate* unmanaged<LLHttpParser*, int> OnReset;
}
