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

    private nn.Module<Tensor, Tensor> gate_proj, up_proj, down_proj;

    public LlamaMlp(LlamaConfig config) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Swaps each projection for what <paramref name="replace"/> makes of it (same shape, e.g. computed from quantized weights).</summary>
    public void ReplaceProjections(Func<Linear, nn.Module<Tensor, Tensor>> replace)
    {
        gate_proj = ProjectionSwap.Replace(this, nameof(gate_proj), gate_proj, replace);
        up_proj = ProjectionSwap.Replace(this, nameof(up_proj), up_proj, replace);
        down_proj = ProjectionSwap.Replace(this, nameof(down_proj), down_proj, replace);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = nn.functional.silu(gate_proj.call(x)) * up_proj.call(x);
        return down_proj.call(hidden).MoveToOuterDisposeScope();
    }
}
