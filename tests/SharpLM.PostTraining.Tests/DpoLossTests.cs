using SharpLM.PostTraining.Preference;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class DpoLossTests
{
    // Two pairs, β = 0.1. Pair 1: log-ratios chosen +1, rejected −1, Δ = 2. Pair 2: chosen 0, rejected +1, Δ = −1.
    private static readonly float[] PolicyChosen = [-10, -5], PolicyRejected = [-12, -4], ReferenceChosen = [-11, -5], ReferenceRejected = [-11, -5];

    [Theory]
    [InlineData(DpoLossType.Sigmoid, 0.6712677645)] // (ln(1 + e^−0.2) + ln(1 + e^0.1)) / 2 = (0.598138869 + 0.744396660) / 2
    [InlineData(DpoLossType.Ipo, 22.5)]             // ((2 − 5)² + (−1 − 5)²) / 2
    [InlineData(DpoLossType.Hinge, 0.95)]           // (max(0, 1 − 0.2) + max(0, 1 + 0.1)) / 2
    public void Loss_and_trl_metrics_equal_a_hand_computed_example(DpoLossType type, double expected)
    {
        using var policyChosen = tensor(PolicyChosen).requires_grad_(true);
        var (loss, metrics) = DpoLoss.Compute(policyChosen, tensor(PolicyRejected), tensor(ReferenceChosen), tensor(ReferenceRejected), 0.1, type);
        Near(expected, loss.item<float>(), 1e-5);
        Near(0.05, metrics["rewards/chosen"], 1e-6);    // mean(0.1·1, 0.1·0)
        Near(0.0, metrics["rewards/rejected"], 1e-6);   // mean(0.1·−1, 0.1·1)
        Near(0.5, metrics["rewards/accuracies"], 1e-6); // pair 1 only
        Near(0.05, metrics["rewards/margins"], 1e-6);   // mean(0.2, −0.1)
        Near(-7.5, metrics["logps/chosen"], 1e-6);
        Near(-8.0, metrics["logps/rejected"], 1e-6);
        loss.backward();
        Assert.NotNull(policyChosen.grad); // the loss trains the policy
    }
}
