using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Root-mean-square layer norm (Zhang and Sennrich, 2019): x / sqrt(mean(x²) + eps) · weight. TorchSharp 0.107
/// has no RMSNorm module, so it is written here; it computes in at least float32 whatever the input type.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static RmsNorm() => Native.TorchRuntime.EnsureLoaded();

    private readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(size));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Half-precision inputs are normalised in float32; float32 and float64 keep their precision.
        var x = input.dtype == ScalarType.Float64 ? input : input.to_type(ScalarType.Float32);
        var normalized = x * rsqrt(x.pow(2).mean([-1], keepdim: true) + _eps);
        return (normalized.to_type(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
