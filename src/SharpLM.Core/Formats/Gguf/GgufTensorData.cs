using System.Runtime.InteropServices;
using SharpLM.Core.Quantization;

namespace SharpLM.Core.Formats.Gguf;

/// <summary>Encodes float32 values into a ggml element type and decodes them back.</summary>
public static class GgufTensorData
{
    public static byte[] Encode(ReadOnlySpan<float> values, GgufTensorType type)
    {
        var bytes = new byte[type.ByteCount(values.Length)];
        switch (type)
        {
            case GgufTensorType.F32:
                MemoryMarshal.AsBytes(values).CopyTo(bytes);
                break;
            case GgufTensorType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
                for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
                break;
            case GgufTensorType.BF16:
                BFloat16.FromSingle(values, MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()));
                break;
            case GgufTensorType.Q8_0:
                Q8_0.Quantize(values, bytes);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes, GgufTensorType type, long elements)
    {
        var values = new float[elements];
        switch (type)
        {
            case GgufTensorType.F32:
                MemoryMarshal.Cast<byte, float>(bytes)[..values.Length].CopyTo(values);
                break;
            case GgufTensorType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < values.Length; i++) values[i] = (float)halves[i];
                break;
            case GgufTensorType.BF16:
                BFloat16.ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes)[..values.Length], values);
                break;
            case GgufTensorType.Q8_0:
                Q8_0.Dequantize(bytes, values);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
        return values;
    }
}
