using static TorchSharp.torch;

namespace SharpLM.PostTraining.Preference;

/// <summary>The pairwise losses TRL's DPO trainer names "sigmoid" (DPO), "ipo" and "hinge".</summary>
public enum DpoLossType { Sigmoid, Ipo, Hinge }

/// <summary>
/// Direct preference optimisation's loss on a batch of pairs, as TRL computes it (dpo_trainer.py): with
/// chosen and rejected log-ratios r = log π(y|x) − log π_ref(y|x) and Δ = r_chosen − r_rejected,
/// <code>
/// sigmoid  −log σ(β·Δ)             (Rafailov et al., 2023)
/// ipo      (Δ − 1/(2β))²           (Azar et al., 2023; TRL passes per-token mean log-probabilities here)
/// hinge    max(0, 1 − β·Δ)         (SLiC)
/// </code>
/// averaged over pairs, and TRL's metrics under TRL's names. Log-probabilities are summed over completion tokens
/// (means per token for IPO); the reference ones are constants, computed once before training.
/// </summary>
public static class DpoLoss
{
    public static (Tensor Loss, IReadOnlyDictionary<string, double> Metrics) Compute(Tensor policyChosen, Tensor policyRejected,
        Tensor referenceChosen, Tensor referenceRejected, double beta, DpoLossType type)
    {
        using var scope = NewDisposeScope();
        var chosenRatio = policyChosen - referenceChosen;
        var rejectedRatio = policyRejected - referenceRejected;
        var delta = chosenRatio - rejectedRatio;
        var losses = type switch
        {
            DpoLossType.Sigmoid => -nn.functional.logsigmoid(delta * beta),
            DpoLossType.Ipo => (delta - 1 / (2 * beta)).pow(2),
            DpoLossType.Hinge => nn.functional.relu(1 - delta * beta),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        var loss = losses.mean();
        using var noGrad = no_grad();
        var chosenReward = chosenRatio.detach() * beta;
        var rejectedReward = rejectedRatio.detach() * beta;
        var metrics = new Dictionary<string, double>
        {
            ["rewards/chosen"] = chosenReward.mean().item<float>(),
            ["rewards/rejected"] = rejectedReward.mean().item<float>(),
            ["rewards/accuracies"] = chosenReward.gt(rejectedReward).to_type(ScalarType.Float32).mean().item<float>(),
            ["rewards/margins"] = (chosenReward - rejectedReward).mean().item<float>(),
            ["logps/chosen"] = policyChosen.detach().mean().item<float>(),
            ["logps/rejected"] = policyRejected.detach().mean().item<float>(),
        };
        return (loss.MoveToOuterDisposeScope(), metrics);
    }
}
