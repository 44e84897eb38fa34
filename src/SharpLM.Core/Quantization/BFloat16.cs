namespace SharpLM.Core.Quantization;

/// <summary>
/// bfloat16: the upper 16 bits of an IEEE float32 (same exponent range, 8 bits of mantissa). Conversion works on
/// the bits: rounding to nearest-even, as PyTorch's <c>.to(torch.bfloat16)</c> does, and NaN stays NaN.
/// </summary>
public static class BFloat16
{
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040); // keep it a quiet NaN
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    public static void FromSingle(ReadOnlySpan<float> values, Span<ushort> output)
    {
        for (int i = 0; i < values.Length; i++) output[i] = FromSingle(values[i]);
    }

    public static void ToSingle(ReadOnlySpan<ushort> values, Span<float> output)
    {
        for (int i = 0; i < values.Length; i++) output[i] = ToSingle(values[i]);
    }
}
