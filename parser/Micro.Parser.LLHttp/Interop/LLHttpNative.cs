using System.Runtime.InteropServices;

namespace Micro.Parser.LLHttp.Interop;

/// <summary>The llhttp C API (llhttp.h), from libllhttp.so built by native/build-llhttp.sh.</summary>
internal static unsafe partial class LLHttpNative
{
    private const string Library = "llhttp";

    [LibraryImport(Library, EntryPoint = "llhttp_init")]
    public static partial void Init(LLHttpParser* parser, int type, LLHttpSettings* settings);

    [LibraryImport(Library, EntryPoint = "llhttp_settings_init")]
    public static partial void SettingsInit(LLHttpSettings* settings);

    [LibraryImport(Library, EntryPoint = "llhttp_execute")]
    public static partial int Execute(LLHttpParser* parser, byte* data, nuint length);

    [LibraryImport(Library, EntryPoint = "llhttp_should_keep_alive")]
    public static partial int ShouldKeepAlive(LLHttpParser* parser);

    [LibraryImport(Library, EntryPoint = "llhttp_errno_name")]
    public static partial byte* ErrnoName(int error);
}
