using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Builds the module for one attention or MLP projection of a Llama-family model as the model is constructed: the
/// projection's checkpoint name ("model.layers.3.self_attn.q_proj"), input and output width. Null keeps the plain
/// float32 Linear. QLoRA passes one that reads the weight from the model file and holds it quantized straight
/// away, so the float32 projections are never all in memory at once.
/// </summary>
public delegate nn.Module<Tensor, Tensor>? ProjectionFactory(string name, long inFeatures, long outFeatures);

internal static class Projections
{
    /// <summary>The factory's module for a projection, or a bias-free Linear when there is no factory or it declines.</summary>
    public static nn.Module<Tensor, Tensor> Create(ProjectionFactory? factory, string name, long inFeatures, long outFeatures) =>
        factory?.Invoke(name, inFeatures, outFeatures) ?? nn.Linear(inFeatures, outFeatures, hasBias: false);
}
