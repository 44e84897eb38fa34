using SharpLM.Inference;

namespace SharpLM.PostTraining.Rl;

/// <summary>The share of prompts whose greedy completion the verifier accepts: the held-out measure of an RL run.</summary>
public static class VerifierAccuracy
{
    public static double Measure(EngineModel model, RolloutSampler sampler, IReadOnlyList<RlPrompt> prompts, int maxNewTokens, IProgress<int>? progress = null)
    {
        int correct = 0;
        for (int i = 0; i < prompts.Count; i++)
        {
            var rollout = sampler.Sample(model, i, sampler.PromptIds(prompts[i]), maxNewTokens, temperature: 0, seed: 0);
            correct += (int)FinalAnswer.Reward(rollout.Text, prompts[i].Answer!);
            progress?.Report(i + 1);
        }
        return (double)correct / prompts.Count;
    }
}
