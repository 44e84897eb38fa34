using System.Buffers.Binary;

namespace SharpLM.Core.Quantization;

/// <summary>
/// ggml's Q8_0 block format: every 32 consecutive values share one scale d = max|x| / 127, stored as IEEE half,
/// followed by the 32 values rounded to signed bytes q = round(x / d). A block is 34 bytes (8.5 bits per value).
/// This is the layout GGUF files carry and the reference the inference engine's 8-bit weights are checked against.
/// </summary>
public static class Q8_0
{
    public const int BlockSize = 32;
    public const int BytesPerBlock = 2 + BlockSize;

    public static long ByteCount(long values) =>
        values % BlockSize == 0 ? values / BlockSize * BytesPerBlock
            : throw new ArgumentException($"Q8_0 needs a multiple of {BlockSize} values (got {values}).");

    /// <summary>Quantizes <paramref name="values"/> (a multiple of 32) into consecutive 34-byte blocks.</summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        long needed = ByteCount(values.Length);
        if (blocks.Length < needed) throw new ArgumentException("The block buffer is too small.");
        for (int b = 0; b < values.Length / BlockSize; b++)
        {
            var block = values.Slice(b * BlockSize, BlockSize);
            var output = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float absMax = 0;
            foreach (float v in block) absMax = Math.Max(absMax, Math.Abs(v));
            // The scale is rounded to half first and the values divided by the rounded scale, so that decoding
            // with the stored half reproduces round(x / d) exactly.
            Half scale = (Half)(absMax / 127f);
            float d = (float)scale;
            float inverse = d == 0 ? 0 : 1f / d;
            BinaryPrimitives.WriteHalfLittleEndian(output, scale);
            for (int i = 0; i < BlockSize; i++)
                output[2 + i] = (byte)(sbyte)Math.Clamp(MathF.Round(block[i] * inverse, MidpointRounding.AwayFromZero), -127, 127);
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        if (blocks.Length < ByteCount(values.Length)) throw new ArgumentException("The block buffer is too small.");
        for (int b = 0; b < values.Length / BlockSize; b++)
        {
            var block = blocks.Slice(b * BytesPerBlock, BytesPerBlock);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (int i = 0; i < BlockSize; i++) values[b * BlockSize + i] = d * (sbyte)block[2 + i];
        }
    }
}
