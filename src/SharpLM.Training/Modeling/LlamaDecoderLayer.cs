using SharpLM.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>Pre-norm transformer block: x + attn(norm(x)), then + ffn(norm(·)) with a dense SwiGLU or a mixture of experts.</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static LlamaDecoderLayer() => Native.TorchRuntime.EnsureLoaded();

    private readonly RmsNorm input_layernorm, post_attention_layernorm;
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp? mlp;
    private readonly SparseMoeBlock? block_sparse_moe;

    /// <param name="prefix">The layer's checkpoint name with a trailing dot ("model.layers.3."), for <paramref name="projections"/>.</param>
    public LlamaDecoderLayer(LlamaConfig config, RotaryEmbedding rotary, ProjectionFactory? projections = null, string prefix = "") : base(nameof(LlamaDecoderLayer))
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        self_attn = new LlamaAttention(config, rotary, projections, prefix + nameof(self_attn) + ".");
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        if (config.IsMixtureOfExperts) block_sparse_moe = new SparseMoeBlock(config);
        else mlp = new LlamaMlp(config, projections, prefix + nameof(mlp) + ".");
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>The block on x [B, T, hidden]; a <paramref name="layout"/> keeps attention inside each packed sequence.</summary>
    public Tensor Forward(Tensor x, SequenceLayout? layout)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), layout);
        var normalized = post_attention_layernorm.forward(h);
        return (h + (mlp is not null ? mlp.forward(normalized) : block_sparse_moe!.forward(normalized))).MoveToOuterDisposeScope();
    }

    public SparseMoeBlock? Experts => block_sparse_moe;
}
