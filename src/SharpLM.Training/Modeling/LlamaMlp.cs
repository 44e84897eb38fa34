using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>SwiGLU feed-forward (Shazeer, 2020): down(silu(gate(x)) · up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static LlamaMlp() => Native.TorchRuntime.EnsureLoaded();

    private readonly nn.Module<Tensor, Tensor> gate_proj, up_proj, down_proj;

    /// <param name="prefix">The block's checkpoint name with a trailing dot ("model.layers.3.mlp."), for <paramref name="projections"/>.</param>
    public LlamaMlp(LlamaConfig config, ProjectionFactory? projections = null, string prefix = "") : base(nameof(LlamaMlp))
    {
        gate_proj = Projections.Create(projections, prefix + nameof(gate_proj), config.HiddenSize, config.IntermediateSize);
        up_proj = Projections.Create(projections, prefix + nameof(up_proj), config.HiddenSize, config.IntermediateSize);
        down_proj = Projections.Create(projections, prefix + nameof(down_proj), config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = nn.functional.silu(gate_proj.call(x)) * up_proj.call(x);
        return down_proj.call(hidden).MoveToOuterDisposeScope();
    }
}
