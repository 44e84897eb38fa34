using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.PostTraining.Reward;

/// <summary>Reward-model training settings (TRL's RewardConfig where it has one), recorded in checkpoints.</summary>
public sealed record RewardOptions
{
    /// <summary>Positions of prompt plus completion; longer sequences keep their start.</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 1024;
    /// <summary>Every n-th pair is held out for pairwise accuracy, n = round(1 / fraction); 0 holds none out.</summary>
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.05;
    /// <summary>Seed of the batch draw and of the head's initialisation.</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1234;

    public void Validate(string origin)
    {
        if (MaxLength < 2) throw new SharpLMException($"{origin}: option 'max_length' is {MaxLength}; it must be at least 2.");
        if (ValidationFraction is < 0 or >= 1) throw new SharpLMException($"{origin}: option 'validation_fraction' is {ValidationFraction}; it must be in [0, 1).");
    }

    /// <summary>The 1e-5 TRL's reward-model examples train billion-parameter models at, scaled by √(1e9 / parameters) as SFT's is, capped at 5e-4.</summary>
    public static double DefaultLearningRate(long parameters) => Math.Min(5e-4, 1e-5 * Math.Sqrt(Math.Max(1.0, 1e9 / Math.Max(1, parameters))));
}
