using SharpLM.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// A decoder-only language model: token ids [B, T] to next-token logits [B, T, vocab]. Parameter names are the
/// Hugging Face ones of its family, so checkpoints map one to one onto model.safetensors.
/// </summary>
public abstract class CausalLanguageModel : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static CausalLanguageModel() => Native.TorchRuntime.EnsureLoaded();

    protected CausalLanguageModel(string name) : base(name) { }

    public IModelConfig Config => ModelConfig;

    protected abstract IModelConfig ModelConfig { get; }

    /// <summary>Builds the model family a config describes.</summary>
    public static CausalLanguageModel Create(IModelConfig config) => config switch
    {
        LlamaConfig llama => new LlamaForCausalLM(llama),
        Gpt2Config gpt2 => new Gpt2LMHeadModel(gpt2),
        _ => throw new ArgumentException($"No model for config type {config.GetType().Name}.", nameof(config)),
    };

    /// <summary>
    /// Token ids [B, T] to logits, with several sequences (or padding) per row as <paramref name="layout"/> describes;
    /// null is the plain causal forward pass. Families without packed attention refuse a layout.
    /// </summary>
    public virtual Tensor Forward(Tensor tokens, SequenceLayout? layout) =>
        layout is null ? forward(tokens) : throw new Core.SharpLMException($"{Config.ModelType} models do not support packed or padded sequences; use a Llama-family model.");

    /// <summary>Random initialisation from a seed (norm gains stay 1, biases 0).</summary>
    public abstract void InitializeWeights(long seed);

    /// <summary>An auxiliary training loss from the last forward pass (expert balance), owned by the caller; null if none.</summary>
    public virtual Tensor? TakeAuxiliaryLoss() => null;

    /// <summary>Weight of <see cref="TakeAuxiliaryLoss"/> in the training objective.</summary>
    public virtual double AuxiliaryLossCoefficient => 0;

    /// <summary>Trade compute for memory: recompute each block's activations in the backward pass (training only).</summary>
    public abstract bool CheckpointActivations { get; set; }

    /// <summary>Token or position embedding tables, which weight decay leaves alone.</summary>
    public abstract bool IsEmbedding(string parameterName);
}
