using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.PostTraining.Lora;

namespace SharpLM.PostTraining.Sft;

/// <summary>How conversations become training rows (the fine-tuning counterpart of a pretrain config's data settings).</summary>
public sealed record SftOptions
{
    /// <summary>Input positions per row; longer conversations keep their start (TRL's truncation_mode "keep_start").</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 1024;
    /// <summary>Pack short conversations into full rows (best-fit decreasing), attention kept inside each; otherwise one per row, padded.</summary>
    [JsonPropertyName("packing")] public bool Packing { get; init; } = true;
    /// <summary>Every n-th conversation is held out for validation loss, n = round(1 / fraction); 0 holds none out.</summary>
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.05;
    /// <summary>Seed of the batch draw (and of adapter initialisation and dropout).</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1234;
    [JsonPropertyName("lora")] public Lora.LoraOptions? Lora { get; init; }
    /// <summary>Prompt tuning: learned virtual tokens before every conversation of the frozen model.</summary>
    [JsonPropertyName("prompt_tuning")] public PromptTuning.PromptTuningOptions? PromptTuning { get; init; }

    /// <summary>Trainable tokens: the ids whose embedding rows are the only weights trained (PEFT's TRAINABLE_TOKENS).</summary>
    [JsonPropertyName("trainable_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? TrainableTokens { get; init; }

    /// <summary>Prompt tuning's virtual tokens before each conversation (0 without).</summary>
    [JsonIgnore] public int VirtualTokens => PromptTuning?.VirtualTokens ?? 0;

    /// <summary>Positions a conversation may take: max_length less the virtual tokens that precede it.</summary>
    [JsonIgnore] public int ConversationLength => MaxLength - VirtualTokens;
    /// <summary>QLoRA: the frozen base's projections held as q8_0 or q4 (the engine's codecs) while the adapters train in float32.</summary>
    [JsonPropertyName("quantize_base")] public string? QuantizeBase { get; init; }

    /// <summary>The base format <see cref="QuantizeBase"/> names, or null for a float32 base.</summary>
    [JsonIgnore] public Inference.Kernels.WeightFormat? BaseFormat => QuantizedBase.Format(QuantizeBase);

    public void Validate(string origin)
    {
        if (MaxLength < 2) throw new SharpLMException($"{origin}: option 'max_length' is {MaxLength}; it must be at least 2.");
        if (ValidationFraction is < 0 or >= 1) throw new SharpLMException($"{origin}: option 'validation_fraction' is {ValidationFraction}; it must be in [0, 1).");
        Lora?.Validate(origin);
        PromptTuning?.Validate(origin, Lora is not null, MaxLength);
        QuantizedBase.Validate(QuantizeBase, Lora, origin);
        Tokens.TrainableTokenRows.Validate(TrainableTokens, PromptTuning, origin);
    }

    /// <summary>
    /// TRL's SFT learning rate (2e-5) is for models of a billion parameters and more; smaller models take larger steps,
    /// scaled by √(1e9 / parameters) and capped at 1e-3. LoRA trains ten times faster, as PEFT's examples do, capped at 2e-3.
    /// </summary>
    public static double DefaultLearningRate(long parameters, bool lora)
    {
        double full = Math.Min(1e-3, 2e-5 * Math.Sqrt(Math.Max(1.0, 1e9 / Math.Max(1, parameters))));
        return lora ? Math.Min(2e-3, full * 10) : full;
    }
}
