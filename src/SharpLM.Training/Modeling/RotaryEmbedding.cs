using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Rotary position embeddings (Su et al., 2021) in Hugging Face Llama's "rotate half" layout: dimension j is
/// paired with j + head_dim/2 and the pair is rotated by position · theta^(-2j/head_dim). The cos/sin tables
/// are computed once for all positions and are not model parameters (they are not saved).
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static RotaryEmbedding() => Native.TorchRuntime.EnsureLoaded();

    private readonly Tensor _cos;
    private readonly Tensor _sin;

    public RotaryEmbedding(int headDim, int maxPositions, double theta)
    {
        using var scope = NewDisposeScope();
        var inverseFrequency = 1.0 / pow(theta, arange(0, headDim, 2, dtype: ScalarType.Float64) / headDim);
        var positions = arange(maxPositions, dtype: ScalarType.Float64);
        var angles = outer(positions, inverseFrequency);              // [T, head_dim/2]
        var doubled = cat([angles, angles], dim: -1);                 // [T, head_dim]
        _cos = doubled.cos().to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        _sin = doubled.sin().to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        MaxPositions = maxPositions;
    }

    public int MaxPositions { get; }

    /// <summary>Rotates x of shape [B, heads, T, head_dim] whose first position is <paramref name="offset"/>.</summary>
    public Tensor Apply(Tensor x, long offset)
    {
        long length = x.shape[2];
        if (offset + length > MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Positions up to {offset + length} exceed max_position_embeddings {MaxPositions}.");
        using var scope = NewDisposeScope();
        var cos = _cos.narrow(0, offset, length).to(x.device).to_type(x.dtype);
        var sin = _sin.narrow(0, offset, length).to(x.device).to_type(x.dtype);
        long half = x.shape[3] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates x of shape [B, heads, T, head_dim] whose token positions are <paramref name="positions"/> [B, T] (packed sequences restart at 0).</summary>
    public Tensor Apply(Tensor x, Tensor positions)
    {
        using var scope = NewDisposeScope();
        long batch = positions.shape[0], length = positions.shape[1];
        var flat = positions.reshape(-1).to(CPU);
        var cos = _cos.index_select(0, flat).view(batch, 1, length, -1).to(x.device).to_type(x.dtype);
        var sin = _sin.index_select(0, flat).view(batch, 1, length, -1).to(x.device).to_type(x.dtype);
        long half = x.shape[3] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], dim: -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
