using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// Mixture-of-experts feed-forward in Mixtral's layout ("block_sparse_moe": a router "gate" and "experts.N").
/// Each token goes to its top-k experts (k = 1 or 2) by router probability; the k probabilities are
/// renormalised to sum to 1 and weight the experts' outputs.
///
/// Training adds two things. Capacity: each expert takes at most ceil(capacity_factor · tokens · k / experts)
/// tokens of the batch, in token order; overflowing tokens get nothing from that expert (the residual carries
/// them). Balance: the auxiliary loss experts · Σₑ fₑ · Pₑ (Switch Transformer), where fₑ is the share of
/// routing assignments that chose expert e and Pₑ its mean router probability; it is 1 when routing is
/// uniform and grows as the router collapses onto few experts. Inference is dropless.
/// </summary>
public sealed class SparseMoeBlock : nn.Module<Tensor, Tensor>
{
    static SparseMoeBlock() => Native.TorchRuntime.EnsureLoaded();

    private readonly Linear gate;
    private readonly ModuleList<MoeExpert> experts;
    private readonly int _perToken;
    private readonly double _capacityFactor;
    private Tensor? _auxiliaryLoss;

    public SparseMoeBlock(LlamaConfig config) : base(nameof(SparseMoeBlock))
    {
        int count = config.NumLocalExperts!.Value;
        gate = nn.Linear(config.HiddenSize, count, hasBias: false);
        experts = nn.ModuleList(Enumerable.Range(0, count).Select(_ => new MoeExpert(config)).ToArray());
        _perToken = config.NumExpertsPerToken!.Value;
        _capacityFactor = config.CapacityFactor ?? 1.25;
        RegisterComponents();
    }

    public int ExpertCount => experts.Count;

    /// <summary>The balance loss of the last training forward pass; the caller owns (and disposes) it.</summary>
    public Tensor? TakeAuxiliaryLoss()
    {
        var loss = _auxiliaryLoss;
        _auxiliaryLoss = null;
        return loss;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long hidden = x.shape[^1];
        var flat = x.reshape(-1, hidden);
        long tokens = flat.shape[0];
        var probabilities = nn.functional.softmax(gate.forward(flat).to_type(ScalarType.Float32), dim: -1);
        var (topWeights, topExperts) = probabilities.topk(_perToken, dim: -1);
        topWeights = (topWeights / topWeights.sum(-1, keepdim: true)).to_type(x.dtype);

        long capacity = training ? (long)Math.Ceiling(_capacityFactor * tokens * _perToken / experts.Count) : long.MaxValue;
        var output = zeros_like(flat);
        for (int e = 0; e < experts.Count; e++)
        {
            var chosen = topExperts.eq(e);                                   // [tokens, k]
            var rows = chosen.any(-1).nonzero().squeeze(-1);                 // tokens routed to e, in order
            if (rows.numel() == 0) continue;
            if (rows.numel() > capacity) rows = rows.narrow(0, 0, capacity);
            var weight = (topWeights * chosen).sum(-1).index_select(0, rows).unsqueeze(-1);
            output.index_add_(0, rows, experts[e].forward(flat.index_select(0, rows)) * weight, 1.0);
        }

        if (training)
        {
            var assignments = nn.functional.one_hot(topExperts, experts.Count).to_type(ScalarType.Float32).sum([0, 1]) / (tokens * _perToken);
            var meanProbability = probabilities.mean([0]);
            _auxiliaryLoss?.Dispose();
            _auxiliaryLoss = ((assignments * meanProbability).sum() * experts.Count).DetachFromDisposeScope();
        }
        return output.view(x.shape).MoveToOuterDisposeScope();
    }
}
