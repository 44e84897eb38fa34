namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// One typed metadata value. The type is part of the value because llama.cpp checks it: a count written as
/// UINT64 where the loader expects UINT32 fails with "key ... has wrong type". Scalars hold the matching .NET
/// type (uint for UINT32, float for FLOAT32, ...); arrays hold a .NET array of the element type.
/// </summary>
public sealed class GgufValue
{
    public GgufValueType Type { get; }

    /// <summary>For arrays, the type of every element; otherwise null.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>The value: a scalar, a string, or an array (byte[], int[], string[], ...).</summary>
    public object Value { get; }

    private GgufValue(GgufValueType type, GgufValueType? elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        Value = value;
    }

    public static GgufValue UInt8(byte value) => new(GgufValueType.UInt8, null, value);
    public static GgufValue Int8(sbyte value) => new(GgufValueType.Int8, null, value);
    public static GgufValue UInt16(ushort value) => new(GgufValueType.UInt16, null, value);
    public static GgufValue Int16(short value) => new(GgufValueType.Int16, null, value);
    public static GgufValue UInt32(uint value) => new(GgufValueType.UInt32, null, value);
    public static GgufValue Int32(int value) => new(GgufValueType.Int32, null, value);
    public static GgufValue Float32(float value) => new(GgufValueType.Float32, null, value);
    public static GgufValue Bool(bool value) => new(GgufValueType.Bool, null, value);
    public static GgufValue String(string value) => new(GgufValueType.String, null, value);
    public static GgufValue UInt64(ulong value) => new(GgufValueType.UInt64, null, value);
    public static GgufValue Int64(long value) => new(GgufValueType.Int64, null, value);
    public static GgufValue Float64(double value) => new(GgufValueType.Float64, null, value);

    /// <summary>An array; the element type follows from the .NET element type (string[] → STRING, int[] → INT32, ...).</summary>
    public static GgufValue Array(System.Array elements) =>
        new(GgufValueType.Array, ElementTypeOf(elements.GetType().GetElementType()!), elements);

    public static GgufValueType ElementTypeOf(Type type) =>
        type == typeof(byte) ? GgufValueType.UInt8
        : type == typeof(sbyte) ? GgufValueType.Int8
        : type == typeof(ushort) ? GgufValueType.UInt16
        : type == typeof(short) ? GgufValueType.Int16
        : type == typeof(uint) ? GgufValueType.UInt32
        : type == typeof(int) ? GgufValueType.Int32
        : type == typeof(float) ? GgufValueType.Float32
        : type == typeof(bool) ? GgufValueType.Bool
        : type == typeof(string) ? GgufValueType.String
        : type == typeof(ulong) ? GgufValueType.UInt64
        : type == typeof(long) ? GgufValueType.Int64
        : type == typeof(double) ? GgufValueType.Float64
        : throw new ArgumentException($"GGUF arrays cannot hold {type.Name} elements (nested arrays are not supported).");

    public T As<T>() => Value is T typed ? typed
        : throw new InvalidCastException($"GGUF value of type {Describe()} is not a {typeof(T).Name}.");

    /// <summary>The type as GGUF documentation writes it: UINT32, or ARRAY[STRING].</summary>
    public string Describe() => Type == GgufValueType.Array ? $"ARRAY[{Name(ElementType!.Value)}]" : Name(Type);

    public static string Name(GgufValueType type) => type.ToString().ToUpperInvariant();

    public override string ToString() => Value switch
    {
        string s => $"\"{s}\"",
        System.Array a => $"[{a.Length} × {Name(ElementType!.Value)}]",
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
