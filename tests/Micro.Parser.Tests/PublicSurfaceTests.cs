using System.Reflection;

namespace Micro.Parser.Tests;

/// <summary>
/// The parser's public surface is its contract, as picohttpparser's header is its own: parse a head into a
/// <see cref="RequestHead"/>, decode a chunked body, the errors with their status, the limits, and the grammar for code
/// that builds messages. Scanners, header semantics and the incomplete-head scan are internal; a change to this list
/// is a change of contract, made here on purpose.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly string[] Contract =
    [
        "Micro.Parser.BodyFraming",
        "Micro.Parser.ByteRange: Boolean IsEmpty; ByteRange(Int32, Int32); Int32 End; Int32 Length; Int32 Offset; ReadOnlySpan`1 Of(ReadOnlySpan`1)",
        "Micro.Parser.ChunkedDecodeStatus",
        "Micro.Parser.ChunkedDecoder: Boolean IsComplete; ChunkedDecodeStatus Decode(ReadOnlySpan`1, Int32 ByRef, ByteRange ByRef); ChunkedDecoder(HttpParserLimits); ParseError Error; ReadOnlySpan`1 Trailers; Void Reset()",
        "Micro.Parser.HeaderField: ByteRange Name; ByteRange Value; HeaderField(ByteRange, ByteRange)",
        "Micro.Parser.HttpGrammar: Boolean IsToken(ReadOnlySpan`1); Boolean IsToken(String); String MethodName(RequestHead, ReadOnlySpan`1); String MethodName(RequestMethod)",
        "Micro.Parser.HttpParserLimits: HttpParserLimits Default; HttpParserLimits(); Int32 MaxChunkExtensionLength; Int32 MaxHeaderBytes; Int32 MaxHeaderCount; Int32 MaxRequestLineLength",
        "Micro.Parser.ParseError",
        "Micro.Parser.ParseErrors: Int32 StatusCode(ParseError); String Describe(ParseError)",
        "Micro.Parser.ParseStatus",
        "Micro.Parser.ProtocolVersion",
        "Micro.Parser.RequestHead: BodyFraming Framing; Boolean ConnectionUpgrade; Boolean ExpectContinue; Boolean HasHost; Boolean HasQuery; Boolean KeepAlive; Boolean TryGetHeader(ReadOnlySpan`1, ReadOnlySpan`1, ByteRange ByRef); Boolean TryGetHeader(ReadOnlySpan`1, String, ByteRange ByRef); ByteRange Host; ByteRange MethodRange; ByteRange Path; ByteRange Query; ByteRange Target; Int32 HeadLength; Int32 HeaderCount; Int64 ContentLength; ParseError Error; ProtocolVersion Version; ReadOnlySpan`1 Headers; RequestHead CopyParsed(); RequestHead(); RequestMethod Method; RequestTargetForm TargetForm; Void Reset()",
        "Micro.Parser.RequestMethod",
        "Micro.Parser.RequestParser: ParseStatus Parse(ReadOnlySpan`1, RequestHead, HttpParserLimits)",
        "Micro.Parser.RequestTargetForm",
    ];

    [Fact]
    public void The_public_surface_is_the_contract()
    {
        var actual = typeof(RequestParser).Assembly.GetExportedTypes().OrderBy(type => type.FullName, StringComparer.Ordinal).Select(Describe).ToArray();
        Assert.True(Contract.SequenceEqual(actual), "The parser's public surface changed; it is now:\n" + string.Join("\n", actual));
    }

    /// <summary>A type and the members it declares, without those every record, enum and object has.</summary>
    private static string Describe(Type type)
    {
        if (type.IsEnum)
        {
            return type.FullName!;
        }
        var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(member => member is not MethodInfo { IsSpecialName: true } && !IsRecordPlumbing(member))
            .Select(Signature)
            .Order(StringComparer.Ordinal);
        return $"{type.FullName}: {string.Join("; ", members)}";
    }

    private static bool IsRecordPlumbing(MemberInfo member) =>
        member.Name is "Equals" or "GetHashCode" or "ToString" or "Deconstruct" or "<Clone>$" or "EqualityContract";

    private static string Signature(MemberInfo member) => member switch
    {
        ConstructorInfo constructor => $"{constructor.DeclaringType!.Name}({Parameters(constructor)})",
        MethodInfo method => $"{method.ReturnType.Name} {method.Name}({Parameters(method)})",
        PropertyInfo property => $"{property.PropertyType.Name} {property.Name}",
        FieldInfo field => $"{field.FieldType.Name} {field.Name}",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(parameter => parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()!.Name + " ByRef" : parameter.ParameterType.Name));
}
