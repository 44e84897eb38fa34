using SharpLM.Inference.Kernels;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Lora;

/// <summary>
/// A frozen Linear layer (no bias) whose weight is held quantized with the inference engine's codecs, for QLoRA
/// (Dettmers et al., 2023): Q8_0 keeps one signed byte per value and Q4 two 4-bit codes per byte, each group of 32
/// values sharing one scale (rounded to half precision, as GGUF stores it). The codes are exactly those
/// <see cref="Q8Matrix"/> and <see cref="Q4Matrix"/> hold, so decoding here gives the engine's weights bit for bit.
///
/// Memory: the resident weight costs 1.125 (Q8_0) or 0.625 (Q4) bytes per value instead of 4. The price is compute:
/// every forward pass decodes the weight to float32 for its one matmul, and the backward pass decodes it again
/// (<see cref="QuantizedMatmul"/>) instead of letting autograd keep the decoded copy alive until then, which would
/// bring the peak back to a float32 model. At most one layer's decoded weight exists at a time.
/// </summary>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>
{
    public const int GroupSize = WeightMatrix.GroupSize;

    private readonly Tensor codes;  // Q8_0: int8 [out, in]; Q4: uint8 [out, in / 2], value j in the low nibble and j + 16 in the high one
    private readonly Tensor scales; // float32 [out, in / 32]

    public WeightFormat Format { get; }
    public long InFeatures { get; }
    public long OutFeatures { get; }

    private QuantizedLinear(Tensor codes, Tensor scales, WeightFormat format, long outFeatures, long inFeatures) : base(nameof(QuantizedLinear))
    {
        this.codes = codes;
        this.scales = scales;
        Format = format;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        RegisterComponents();
    }

    /// <summary>Quantizes a row-major float32 weight [<paramref name="rows"/>, <paramref name="columns"/>] with the engine's codec for <paramref name="format"/> (Q8_0 or Q4).</summary>
    public static QuantizedLinear FromValues(float[] values, int rows, int columns, WeightFormat format)
    {
        switch (format)
        {
            case WeightFormat.Q8_0:
                var q8 = Q8Matrix.Quantize(values, rows, columns);
                return new QuantizedLinear(tensor(q8.Codes, [rows, columns]), tensor(q8.Scales, [rows, columns / GroupSize]), format, rows, columns);
            case WeightFormat.Q4:
                var q4 = Q4Matrix.Quantize(values, rows, columns);
                return new QuantizedLinear(tensor(q4.Packed, [rows, columns / 2]), tensor(q4.Scales, [rows, columns / GroupSize]), format, rows, columns);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), $"A quantized base is Q8_0 or Q4, not {format.Name()}.");
        }
    }

    /// <summary>The bytes the codes and scales occupy.</summary>
    public long ByteCount => codes.numel() * codes.ElementSize + scales.numel() * scales.ElementSize;

    /// <summary>The float32 weight [out, in]: code × group scale (Q4: (code − 8) × scale), the engine's arithmetic.</summary>
    public Tensor Dequantize()
    {
        using var scope = NewDisposeScope();
        long groups = InFeatures / GroupSize;
        Tensor values = Format == WeightFormat.Q8_0
            ? codes.to_type(ScalarType.Float32).view(OutFeatures, groups, GroupSize)
            : Unpack4().to_type(ScalarType.Float32) - 8;
        return (values * scales.view(OutFeatures, groups, 1)).view(OutFeatures, InFeatures).MoveToOuterDisposeScope();
    }

    private Tensor Unpack4()
    {
        var packed = codes.view(OutFeatures, InFeatures / GroupSize, GroupSize / 2);
        return cat([packed.bitwise_and(0x0F), packed.bitwise_right_shift(4)], 2);
    }

    public override Tensor forward(Tensor x) => QuantizedMatmul.Apply(x, this);
}
