using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Micro.Metadata;

namespace Micro.OpenApi;

/// <summary>A parameter a handler reads: its name, the type it parses it to, where from.</summary>
internal sealed record ParameterRead(string Name, Type Type, ParameterSource Source);

/// <summary>
/// What a handler reads, found in its IL: a constant name passed to <c>req.Params.GetInt("id")</c>, <c>Get&lt;T&gt;</c>,
/// <c>req.Query.GetBool("all")</c>, <c>req.Query["q"]</c> or <c>req.Header("X-Key")</c> (an async handler's in its
/// state machine). A name the handler computes is not seen; <c>RouteMetadata.Param&lt;T&gt;</c> and
/// <c>Query&lt;T&gt;</c> declare those.
/// </summary>
[System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(MicroAppOpenApiExtensions.ReadsHandlers)]
[System.Diagnostics.CodeAnalysis.RequiresDynamicCode(MicroAppOpenApiExtensions.ReadsHandlers)]
internal static class HandlerReads
{
    private static readonly OpCode[] s_oneByte = new OpCode[0x100];
    private static readonly OpCode[] s_twoByte = new OpCode[0x100];

    /// <summary>How many instructions may stand between the name and the call that reads it (a default value's loads).</summary>
    private const int MaxDistance = 4;

    static HandlerReads()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            var value = (ushort)opCode.Value;
            if (value < 0x100)
            {
                s_oneByte[value] = opCode;
            }
            else if ((value & 0xFF00) == 0xFE00)
            {
                s_twoByte[value & 0xFF] = opCode;
            }
        }
    }

    public static IReadOnlyList<ParameterRead> Of(Delegate handler)
    {
        var reads = new List<ParameterRead>();
        Scan(handler.Method, reads);
        return reads;
    }

    private static void Scan(MethodInfo method, List<ParameterRead> reads)
    {
        if (method.GetCustomAttribute<AsyncStateMachineAttribute>() is { } stateMachine
            && stateMachine.StateMachineType.GetMethod("MoveNext", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance) is { } moveNext)
        {
            Scan(moveNext, reads);
        }
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return;
        }
        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        string? name = null;
        var sinceName = int.MaxValue;
        var source = ParameterSource.Query;
        for (var at = 0; at < il.Length;)
        {
            var opCode = il[at] == 0xFE ? s_twoByte[il[at + 1]] : s_oneByte[il[at]];
            at += opCode.Size;
            if (opCode == OpCodes.Ldstr)
            {
                name = method.Module.ResolveString(BitConverter.ToInt32(il, at));
                sinceName = 0;
            }
            else if ((opCode == OpCodes.Call || opCode == OpCodes.Callvirt) && Resolve(method.Module, BitConverter.ToInt32(il, at), typeArguments, methodArguments) is { } callee)
            {
                if (callee.DeclaringType == typeof(Request) && callee.Name is "get_Params" or "get_Query" or "get_Headers")
                {
                    source = callee.Name switch { "get_Params" => ParameterSource.Path, "get_Headers" => ParameterSource.Header, _ => ParameterSource.Query };
                }
                else if (name is not null && sinceName <= MaxDistance && Read(callee, source) is { } read)
                {
                    reads.Add(new ParameterRead(name, read.Type, read.Source));
                    name = null;
                }
            }
            at += OperandSize(opCode, il, at);
            sinceName = sinceName == int.MaxValue ? sinceName : sinceName + 1;
        }
    }

    /// <summary>The type and source a call reads its named parameter as, or null when the call is not such a read.</summary>
    private static (Type Type, ParameterSource Source)? Read(MethodBase callee, ParameterSource source)
    {
        if (callee.DeclaringType == typeof(Request))
        {
            return callee.Name == "Header" ? (typeof(string), ParameterSource.Header) : null;
        }
        if (callee.DeclaringType != typeof(RouteParams) && callee.DeclaringType != typeof(RequestValues))
        {
            return null;
        }
        var from = callee.DeclaringType == typeof(RouteParams) ? ParameterSource.Path : source;
        Type? type = callee.Name switch
        {
            "GetInt" => typeof(int),
            "GetLong" => typeof(long),
            "GetGuid" => typeof(Guid),
            "GetBool" => typeof(bool),
            "get_Item" => typeof(string),
            "Get" when callee.IsGenericMethod => callee.GetGenericArguments()[0],
            _ => null,
        };
        return type is null ? null : (type, from);
    }

    private static MethodBase? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMethod(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null; // a token of a generic context this scan does not have: not a read it can name
        }
    }

    private static int OperandSize(OpCode opCode, byte[] il, int at) => opCode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };
}
