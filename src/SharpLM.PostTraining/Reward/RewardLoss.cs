using static TorchSharp.torch;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// The Bradley–Terry pairwise loss of a reward model, −log σ(r_chosen − r_rejected) averaged over pairs (TRL's
/// RewardTrainer), with its metrics: accuracy (the share of pairs scored chosen above rejected; a tie is not a
/// success), the mean margin and the mean rewards.
/// </summary>
public static class RewardLoss
{
    public static (Tensor Loss, IReadOnlyDictionary<string, double> Metrics) Compute(Tensor chosen, Tensor rejected)
    {
        using var scope = NewDisposeScope();
        var margin = chosen - rejected;
        var loss = (-nn.functional.logsigmoid(margin)).mean();
        using var noGrad = no_grad();
        var metrics = new Dictionary<string, double>
        {
            ["accuracy"] = margin.detach().gt(0).to_type(ScalarType.Float32).mean().item<float>(),
            ["margin"] = margin.detach().mean().item<float>(),
            ["rewards/chosen"] = chosen.detach().mean().item<float>(),
            ["rewards/rejected"] = rejected.detach().mean().item<float>(),
        };
        return (loss.MoveToOuterDisposeScope(), metrics);
    }
}
