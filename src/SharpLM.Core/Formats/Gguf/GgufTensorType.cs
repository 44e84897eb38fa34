using SharpLM.Core.Quantization;

namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// The ggml element types SharpLM writes and reads (numbers from ggml's <c>ggml_type</c>). Other types are
/// rejected by the reader with the tensor's name rather than misread.
/// </summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
    BF16 = 30,
}

public static class GgufTensorTypes
{
    public static bool IsKnown(uint value) => Enum.IsDefined(typeof(GgufTensorType), value);

    /// <summary>Values that share one block: 32 for Q8_0, 1 for the plain float types.</summary>
    public static int BlockSize(this GgufTensorType type) => type == GgufTensorType.Q8_0 ? Q8_0.BlockSize : 1;

    /// <summary>Bytes taken by <paramref name="elements"/> values (a multiple of the block size).</summary>
    public static long ByteCount(this GgufTensorType type, long elements) => type switch
    {
        GgufTensorType.F32 => elements * 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => elements * 2,
        GgufTensorType.Q8_0 => Q8_0.ByteCount(elements),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
