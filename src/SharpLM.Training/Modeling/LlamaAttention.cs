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

    private nn.Module<Tensor, Tensor> q_proj, k_proj, v_proj, o_proj;
    private readonly RmsNorm? q_norm, k_norm; // Qwen3's QK-norm: RMSNorm over each head's query and key
    private readonly int _heads, _keyValueHeads, _headDim;
    private readonly RotaryEmbedding _rotary;

    public LlamaAttention(LlamaConfig config, RotaryEmbedding rotary) : base(nameof(LlamaAttention))
    {
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _rotary = rotary;
        q_proj = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: false);
        k_proj = nn.Linear(config.HiddenSize, _keyValueHeads * _headDim, hasBias: false);
        v_proj = nn.Linear(config.HiddenSize, _keyValueHeads * _headDim, hasBias: false);
        o_proj = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: false);
        if (config.UsesQkNorm)
        {
            q_norm = new RmsNorm(_headDim, config.RmsNormEps);
            k_norm = new RmsNorm(_headDim, config.RmsNormEps);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Swaps each projection for what <paramref name="replace"/> makes of it (same shape, e.g. computed from quantized weights).</summary>
    public void ReplaceProjections(Func<Linear, nn.Module<Tensor, Tensor>> replace)
    {
        q_proj = ProjectionSwap.Replace(this, nameof(q_proj), q_proj, replace);
        k_proj = ProjectionSwap.Replace(this, nameof(k_proj), k_proj, replace);
        v_proj = ProjectionSwap.Replace(this, nameof(v_proj), v_proj, replace);
        o_proj = ProjectionSwap.Replace(this, nameof(o_proj), o_proj, replace);
    }

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
