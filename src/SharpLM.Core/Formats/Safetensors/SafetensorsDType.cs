namespace SharpLM.Core.Formats.Safetensors;

/// <summary>The element types safetensors names in its header ("F32", "BF16", ...).</summary>
public enum SafetensorsDType
{
    Bool, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64,
}

public static class SafetensorsDTypes
{
    public static int SizeInBytes(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static string ToHeaderName(this SafetensorsDType dtype) => dtype == SafetensorsDType.Bool ? "BOOL" : dtype.ToString();

    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        if (name == "BOOL") { dtype = SafetensorsDType.Bool; return true; }
        return Enum.TryParse(name, ignoreCase: false, out dtype) && name != nameof(SafetensorsDType.Bool);
    }
}
