using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.PostTraining.Rl;

/// <summary>Online RL's settings (TRL's GRPOConfig where it has one), recorded in checkpoints.</summary>
public sealed record GrpoOptions
{
    /// <summary>Completions sampled per prompt (TRL's num_generations).</summary>
    [JsonPropertyName("num_generations")] public int GroupSize { get; init; } = 4;
    [JsonPropertyName("max_completion_length")] public int MaxNewTokens { get; init; } = 64;
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 1.0;
    [JsonPropertyName("epsilon")] public double Epsilon { get; init; } = 0.2;
    /// <summary>Weight of the k3 KL to the reference (the starting model); 0 loads no reference.</summary>
    [JsonPropertyName("beta")] public double Beta { get; init; }
    /// <summary>"verifier", or the path of a reward run or model folder with a reward head.</summary>
    [JsonPropertyName("reward")] public string Reward { get; init; } = "verifier";

    /// <summary>Whether the reward is the exact-answer verifier (otherwise <see cref="Reward"/> names a reward model).</summary>
    [JsonIgnore] public bool UsesVerifier => Reward == "verifier";
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1234;
    [JsonPropertyName("lora")] public Lora.LoraOptions? Lora { get; init; }
    /// <summary>Trainable tokens: the ids whose embedding rows train (alone or beside LoRA); the reference keeps the base's rows.</summary>
    [JsonPropertyName("trainable_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? TrainableTokens { get; init; }
    /// <summary>Prompt tuning: learned virtual tokens before every prompt of the frozen policy; the KL reference and the
    /// "before" measurements are the model without them.</summary>
    [JsonPropertyName("prompt_tuning"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PromptTuning.PromptTuningOptions? PromptTuning { get; init; }

    /// <summary>Prompt tuning's virtual tokens before each sequence (0 without).</summary>
    [JsonIgnore] public int VirtualTokens => PromptTuning?.VirtualTokens ?? 0;

    /// <param name="contextLength">The model's positions, of which prompt tuning's virtual tokens take the first.</param>
    public void Validate(string origin, int contextLength)
    {
        if (GroupSize < 2) throw new SharpLMException($"{origin}: option '--group-size' is {GroupSize}; group-normalised advantages need at least 2.");
        if (MaxNewTokens < 1) throw new SharpLMException($"{origin}: option '--max-new-tokens' is {MaxNewTokens}; it must be at least 1.");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw new SharpLMException($"{origin}: option '--temperature' is {Temperature}; sampling a group needs a positive temperature.");
        if (!(Epsilon > 0 && Epsilon < 1)) throw new SharpLMException($"{origin}: option '--epsilon' is {Epsilon}; it must be in (0, 1).");
        if (!(Beta >= 0) || !double.IsFinite(Beta)) throw new SharpLMException($"{origin}: option '--beta' is {Beta}; it must be zero or positive.");
        if (!UsesVerifier && !Directory.Exists(Reward))
            throw new SharpLMException($"{origin}: option '--reward' is '{Reward}': neither 'verifier' nor a reward model folder (a 'sharplm reward' run or its model/).");
        Lora?.Validate(origin);
        PromptTuning?.Validate(origin, Lora is not null, contextLength);
        Tokens.TrainableTokenRows.Validate(TrainableTokens, PromptTuning, origin);
    }

    /// <summary>TRL's GRPO learning rate (1e-6) scaled for small models as DPO's default is.</summary>
    public static double DefaultLearningRate(long parameters, bool lora) => Preference.DpoOptions.DefaultLearningRate(parameters, lora);
}
