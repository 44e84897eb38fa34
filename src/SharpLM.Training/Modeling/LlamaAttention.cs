using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Causal self-attention with grouped key/value heads. libtorch's scaled_dot_product_attention does the
/// attention itself; TorchSharp does not expose its enable_gqa flag, so key/value heads are repeated to the
/// query head count first.
/// </summary>
public sealed class LlamaAttention : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static LlamaAttention() => Native.TorchRuntime.EnsureLoaded();

    private readonly nn.Module<Tensor, Tensor> q_proj, k_proj, v_proj, o_proj;
    private readonly RmsNorm? q_norm, k_norm; // Qwen3's QK-norm: RMSNorm over each head's query and key
    private readonly int _heads, _keyValueHeads, _headDim;
    private readonly RotaryEmbedding _rotary;

    /// <param name="prefix">The block's checkpoint name with a trailing dot ("model.layers.3.self_attn."), for <paramref name="projections"/>.</param>
    public LlamaAttention(LlamaConfig config, RotaryEmbedding rotary, ProjectionFactory? projections = null, string prefix = "") : base(nameof(LlamaAttention))
    {
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _rotary = rotary;
        q_proj = Projections.Create(projections, prefix + nameof(q_proj), config.HiddenSize, _heads * _headDim);
        k_proj = Projections.Create(projections, prefix + nameof(k_proj), config.HiddenSize, _keyValueHeads * _headDim);
        v_proj = Projections.Create(projections, prefix + nameof(v_proj), config.HiddenSize, _keyValueHeads * _headDim);
        o_proj = Projections.Create(projections, prefix + nameof(o_proj), _heads * _headDim, config.HiddenSize);
        if (config.UsesQkNorm)
        {
            q_norm = new RmsNorm(_headDim, config.RmsNormEps);
            k_norm = new RmsNorm(_headDim, config.RmsNormEps);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>
    /// Attention over x [B, T, hidden]; with a <paramref name="layout"/>, each token attends only within its own
    /// sequence and is rotated by its position in it. Projections run through <c>call</c>, so forward hooks
    /// (low-rank adapters) see them.
    /// </summary>
    public Tensor Forward(Tensor x, SequenceLayout? layout)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1];
        var q = q_proj.call(x).view(batch, length, _heads, _headDim);
        var k = k_proj.call(x).view(batch, length, _keyValueHeads, _headDim);
        if (q_norm is not null) q = q_norm.forward(q);
        if (k_norm is not null) k = k_norm.forward(k);
        q = q.transpose(1, 2);
        k = k.transpose(1, 2);
        var v = v_proj.call(x).view(batch, length, _keyValueHeads, _headDim).transpose(1, 2);
        q = layout is null ? _rotary.Apply(q, 0) : _rotary.Apply(q, layout.Positions);
        k = layout is null ? _rotary.Apply(k, 0) : _rotary.Apply(k, layout.Positions);
        if (_keyValueHeads != _heads)
        {
            int repeats = _heads / _keyValueHeads;
            k = k.repeat_interleave(repeats, dim: 1);
            v = v.repeat_interleave(repeats, dim: 1);
        }
        // Positional arguments: TorchSharp 0.107 spells the flag "is_casual" and a pending release renames it.
        var attended = layout is null
            ? nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, true)
            : nn.functional.scaled_dot_product_attention(q, k, v, layout.Mask.to(q.device), 0.0, false);
        var merged = attended.transpose(1, 2).contiguous().view(batch, length, _heads * _headDim);
        return o_proj.call(merged).MoveToOuterDisposeScope();
    }
}
