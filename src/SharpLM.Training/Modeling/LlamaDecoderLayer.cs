using SharpLM.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>Pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(·)).</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static LlamaDecoderLayer() => Native.TorchRuntime.EnsureLoaded();

    private readonly RmsNorm input_layernorm, post_attention_layernorm;
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;

    public LlamaDecoderLayer(LlamaConfig config, RotaryEmbedding rotary) : base(nameof(LlamaDecoderLayer))
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        self_attn = new LlamaAttention(config, rotary);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new LlamaMlp(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.forward(input_layernorm.forward(x));
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
