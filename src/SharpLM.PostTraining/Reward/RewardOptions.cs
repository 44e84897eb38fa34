using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.PostTraining.Lora;

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
    /// <summary>LoRA adapters on a frozen decoder (the head trains whole); null trains every weight. Left out of the
    /// recorded settings when null, so checkpoints of full runs keep the settings they were written with.</summary>
    [JsonPropertyName("lora"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LoraOptions? Lora { get; init; }
    /// <summary>QLoRA: the frozen base's projections held as q8_0 or q4 under the adapters.</summary>
    [JsonPropertyName("quantize_base"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? QuantizeBase { get; init; }

    /// <summary>Prompt tuning: learned virtual tokens before every sequence of the frozen model, trained with the head.</summary>
    [JsonPropertyName("prompt_tuning"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PromptTuning.PromptTuningOptions? PromptTuning { get; init; }

    /// <summary>Prompt tuning's virtual tokens before each sequence (0 without).</summary>
    [JsonIgnore] public int VirtualTokens => PromptTuning?.VirtualTokens ?? 0;

    /// <summary>Trainable tokens: ids whose embedding rows train beside the LoRA adapters (LoRA's trainable_token_indices).</summary>
    [JsonPropertyName("trainable_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? TrainableTokens { get; init; }

    public void Validate(string origin)
    {
        if (MaxLength < 2) throw new SharpLMException($"{origin}: option 'max_length' is {MaxLength}; it must be at least 2.");
        if (ValidationFraction is < 0 or >= 1) throw new SharpLMException($"{origin}: option 'validation_fraction' is {ValidationFraction}; it must be in [0, 1).");
        Lora?.Validate(origin);
        QuantizedBase.Validate(QuantizeBase, Lora, origin);
        PromptTuning?.Validate(origin, Lora is not null, MaxLength);
        Tokens.TrainableTokenRows.Validate(TrainableTokens, PromptTuning, origin);
        // PEFT's LoRA config carries both the token indices and the head (modules_to_save); its trainable-tokens config has no place for the head.
        if (TrainableTokens is not null && Lora is null)
            throw new SharpLMException($"{origin}: option '--trainable-tokens' trains a reward model's token rows beside LoRA adapters; add --lora-rank.");
    }

    /// <summary>
    /// The 1e-5 TRL's reward-model examples train billion-parameter models at, scaled by √(1e9 / parameters) as SFT's
    /// is, capped at 5e-4; LoRA ten times that, capped at 5e-3, as the other verbs' LoRA defaults are.
    /// </summary>
    public static double DefaultLearningRate(long parameters, bool lora)
    {
        double full = Math.Min(5e-4, 1e-5 * Math.Sqrt(Math.Max(1.0, 1e9 / Math.Max(1, parameters))));
        return lora ? Math.Min(5e-3, full * 10) : full;
    }
}
