using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>One SwiGLU expert, named as in transformers' Mixtral: w2(silu(w1(x)) · w3(x)).</summary>
public sealed class MoeExpert : nn.Module<Tensor, Tensor>
{
    static MoeExpert() => Native.TorchRuntime.EnsureLoaded();

    private readonly Linear w1, w2, w3;

    public MoeExpert(LlamaConfig config) : base(nameof(MoeExpert))
    {
        w1 = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        w3 = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        w2 = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return w2.forward(nn.functional.silu(w1.forward(x)) * w3.forward(x)).MoveToOuterDisposeScope();
    }
}
