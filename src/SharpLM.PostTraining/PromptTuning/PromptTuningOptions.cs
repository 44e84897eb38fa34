using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.PostTraining.PromptTuning;

/// <summary>A prompt-tuning adapter's shape, in PEFT's terms (num_virtual_tokens, prompt_tuning_init_text).</summary>
public sealed record PromptTuningOptions
{
    [JsonPropertyName("num_virtual_tokens")] public int VirtualTokens { get; init; } = 8;
    /// <summary>TEXT initialisation: the embeddings of this text's tokens, repeated or cut to the number of virtual tokens; null for RANDOM.</summary>
    [JsonPropertyName("prompt_tuning_init_text")] public string? InitText { get; init; }

    /// <param name="lora">Whether the run also asks for LoRA adapters (refused: they are different adapters).</param>
    /// <param name="maxLength">The run's max_length, of which the virtual tokens take the first positions.</param>
    public void Validate(string origin, bool lora, int maxLength)
    {
        if (VirtualTokens <= 0) throw new SharpLMException($"{origin}: option '--prompt-tuning' is {VirtualTokens}; it must be positive.");
        if (InitText is { Length: 0 }) throw new SharpLMException($"{origin}: option '--prompt-tuning-init-text' is empty; give a text or leave it out for RANDOM.");
        if (lora) throw new SharpLMException($"{origin}: options '--prompt-tuning' and '--lora-rank' train different adapters; choose one.");
        if (maxLength - VirtualTokens < 2)
            throw new SharpLMException($"{origin}: option '--prompt-tuning' ({VirtualTokens} virtual tokens) leaves {maxLength - VirtualTokens} of max_length {maxLength} positions for a sequence; it needs at least 2.");
    }

    /// <summary>
    /// Prompt tuning trains only N × hidden numbers and needs far larger steps than fine-tuning weights: PEFT's
    /// prompt-tuning examples use 3e-2, whatever the model size.
    /// </summary>
    public const double DefaultLearningRate = 3e-2;
}
