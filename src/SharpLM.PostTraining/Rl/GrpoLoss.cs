using static TorchSharp.torch;

namespace SharpLM.PostTraining.Rl;

/// <summary>
/// GRPO's clipped surrogate on completion tokens, as TRL's GRPO trainer computes it (token-level importance sampling,
/// loss_type "dapo"): with ratio ρ = exp(log π − log π_old) per token,
/// <code>
/// per-token loss  −min(ρ·A, clip(ρ, 1−ε, 1+ε)·A) + β·KL
/// KL (k3)         exp(log π_ref − log π) − (log π_ref − log π) − 1
/// loss            Σ over completion tokens / number of completion tokens
/// </code>
/// and TRL's metrics: "kl" (mean k3 over completion tokens, when β &gt; 0) and "clip_ratio" (the share of tokens whose
/// ratio the clip holds: below 1−ε with A &lt; 0 or above 1+ε with A &gt; 0).
/// </summary>
public static class GrpoLoss
{
    /// <param name="logps">log π of each target token [B, T], with a graph.</param>
    /// <param name="oldLogps">log π_old [B, T], the policy that sampled the completions (constants).</param>
    /// <param name="referenceLogps">log π_ref [B, T] (constants), or null when β is 0.</param>
    /// <param name="advantages">One per completion [B].</param>
    /// <param name="mask">1 on completion tokens, 0 elsewhere [B, T].</param>
    public static (Tensor Loss, IReadOnlyDictionary<string, double> Metrics) Compute(Tensor logps, Tensor oldLogps, Tensor? referenceLogps,
        Tensor advantages, Tensor mask, double epsilon, double beta)
    {
        using var scope = NewDisposeScope();
        var a = advantages.unsqueeze(1);
        var ratio = (logps - oldLogps).exp();
        var clipped = ratio.clamp(1 - epsilon, 1 + epsilon);
        var perToken = -minimum(ratio * a, clipped * a);
        Tensor? kl = null;
        if (beta > 0)
        {
            if (referenceLogps is null) throw new ArgumentNullException(nameof(referenceLogps), "a KL term needs the reference log-probabilities.");
            var delta = referenceLogps - logps;
            kl = delta.exp() - delta - 1;
            perToken = perToken + kl * beta;
        }
        var tokens = mask.sum().clamp_min(1);
        var loss = (perToken * mask).sum() / tokens;
        using var noGrad = no_grad();
        var isClipped = ratio.lt(1 - epsilon).logical_and(a.lt(0)).logical_or(ratio.gt(1 + epsilon).logical_and(a.gt(0))).to_type(mask.dtype);
        var metrics = new Dictionary<string, double>
        {
            ["clip_ratio"] = ((isClipped * mask).sum() / tokens).item<float>(),
            ["kl"] = kl is null ? 0 : ((kl.detach() * mask).sum() / tokens).item<float>(),
        };
        return (loss.MoveToOuterDisposeScope(), metrics);
    }
}
