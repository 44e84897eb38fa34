using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.PostTraining.Preference;

/// <summary>Direct preference optimisation's settings (TRL's DPOConfig where it has one), recorded in checkpoints.</summary>
public sealed record DpoOptions
{
    /// <summary>How far the policy may move from the reference: the scale of the implicit reward β·log(π/π_ref).</summary>
    [JsonPropertyName("beta")] public double Beta { get; init; } = 0.1;
    [JsonPropertyName("loss_type")] public DpoLossType Loss { get; init; } = DpoLossType.Sigmoid;
    /// <summary>Positions of prompt plus completion; longer pairs keep their start.</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 1024;
    /// <summary>Every n-th pair is held out, n = round(1 / fraction); 0 holds none out.</summary>
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.05;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1234;
    [JsonPropertyName("lora")] public Lora.LoraOptions? Lora { get; init; }
    /// <summary>Prompt tuning: learned virtual tokens before every sequence of the frozen model; the reference is the model without them.</summary>
    [JsonPropertyName("prompt_tuning")] public PromptTuning.PromptTuningOptions? PromptTuning { get; init; }

    /// <summary>Trainable tokens: the ids whose embedding rows train (alone or beside LoRA); the reference keeps the base's rows.</summary>
    [JsonPropertyName("trainable_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? TrainableTokens { get; init; }

    /// <summary>Prompt tuning's virtual tokens before each sequence (0 without).</summary>
    [JsonIgnore] public int VirtualTokens => PromptTuning?.VirtualTokens ?? 0;

    /// <summary>Positions prompt plus completion may take: max_length less the virtual tokens that precede them.</summary>
    [JsonIgnore] public int SequenceLength => MaxLength - VirtualTokens;

    public void Validate(string origin)
    {
        if (!(Beta > 0) || !double.IsFinite(Beta)) throw new SharpLMException($"{origin}: option 'beta' is {Beta}; it must be a positive number.");
        if (MaxLength < 2) throw new SharpLMException($"{origin}: option 'max_length' is {MaxLength}; it must be at least 2.");
        if (ValidationFraction is < 0 or >= 1) throw new SharpLMException($"{origin}: option 'validation_fraction' is {ValidationFraction}; it must be in [0, 1).");
        Lora?.Validate(origin);
        PromptTuning?.Validate(origin, Lora is not null, MaxLength);
        Tokens.TrainableTokenRows.Validate(TrainableTokens, PromptTuning, origin);
    }

    /// <summary>Parses TRL's loss names: sigmoid, ipo, hinge.</summary>
    public static DpoLossType ParseLoss(string name, string origin) => name.ToLowerInvariant() switch
    {
        "sigmoid" => DpoLossType.Sigmoid,
        "ipo" => DpoLossType.Ipo,
        "hinge" => DpoLossType.Hinge,
        _ => throw new SharpLMException($"{origin} '{name}' is not a DPO loss; use sigmoid, ipo or hinge."),
    };

    /// <summary>
    /// TRL's DPO learning rate (1e-6) is for models of a billion parameters and more; smaller models take larger
    /// steps, scaled by √(1e9 / parameters) as SFT's default is, capped at 1e-4; LoRA ten times that, capped at 1e-3.
    /// </summary>
    public static double DefaultLearningRate(long parameters, bool lora)
    {
        double full = Math.Min(1e-4, 1e-6 * Math.Sqrt(Math.Max(1.0, 1e9 / Math.Max(1, parameters))));
        return lora ? Math.Min(1e-3, full * 10) : full;
    }
}
