using SharpLM.Inference;

namespace SharpLM.PostTraining.Rl;

/// <summary>Held-out measures of an RL run: each prompt's greedy completion, scored.</summary>
public static class VerifierAccuracy
{
    /// <summary>The share of prompts whose greedy completion the verifier accepts.</summary>
    public static double Measure(EngineModel model, RolloutSampler sampler, IReadOnlyList<RlPrompt> prompts, int maxNewTokens, IProgress<int>? progress = null) =>
        MeanScore(model, sampler, prompts, maxNewTokens, (prompt, rollout) => FinalAnswer.Reward(rollout.Text, prompt.Answer!), progress);

    /// <summary>The mean of <paramref name="score"/> over the prompts' greedy completions (a reward model's, for one).</summary>
    public static double MeanScore(EngineModel model, RolloutSampler sampler, IReadOnlyList<RlPrompt> prompts, int maxNewTokens,
        Func<RlPrompt, Rollout, double> score, IProgress<int>? progress = null)
    {
        double sum = 0;
        for (int i = 0; i < prompts.Count; i++)
        {
            var rollout = sampler.Sample(model, i, sampler.PromptIds(prompts[i]), maxNewTokens, temperature: 0, seed: 0);
            sum += score(prompts[i], rollout);
            progress?.Report(i + 1);
        }
        return sum / prompts.Count;
    }
}
