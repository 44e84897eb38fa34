using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Core.Models.Folder;

/// <summary>
/// How a weight matrix [rows, columns] may be stored in model.safetensors (docs/formats.md): as a float tensor (F32,
/// F16, BF16) of that shape, or quantized in groups of 32 columns as a code tensor under the weight's own name plus a
/// "&lt;name&gt;_scale" F16 tensor [rows, columns / 32]: Q8_0 as I8 [rows, columns], Q4 as U8 [rows, columns / 2]
/// (two codes per byte). The dtype alone tells the format, so one file may mix them.
/// </summary>
public static class StoredMatrixLayout
{
    public const int GroupSize = 32;
    public const string ScaleSuffix = "_scale";

    public static string ScaleName(string name) => name + ScaleSuffix;

    public static bool IsFloat(SafetensorsDType dtype) => dtype is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16;

    public static bool IsQuantized(SafetensorsDType dtype) => dtype is SafetensorsDType.I8 or SafetensorsDType.U8;

    /// <summary>The stored shape of a [rows, columns] matrix in <paramref name="dtype"/>, with what the codes are, for messages.</summary>
    public static (long[] Shape, string What) CodeShape(SafetensorsDType dtype, long rows, long columns) => dtype switch
    {
        SafetensorsDType.I8 => ([rows, columns], "Q8_0 codes"),
        SafetensorsDType.U8 => ([rows, columns / 2], "Q4 codes, two per byte"),
        _ => ([rows, columns], "float weights"),
    };

    public static long[] ScaleShape(long rows, long columns) => [rows, columns / GroupSize];
}
