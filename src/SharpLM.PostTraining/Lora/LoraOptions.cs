using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.PostTraining.Lora;

/// <summary>A LoRA adapter's shape, in PEFT's terms (r, lora_alpha, target_modules, lora_dropout, use_rslora).</summary>
public sealed record LoraOptions
{
    public static readonly string[] AllLinear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    [JsonPropertyName("r")] public int Rank { get; init; } = 16;
    [JsonPropertyName("lora_alpha")] public double Alpha { get; init; } = 32;
    [JsonPropertyName("target_modules")] public string[] Targets { get; init; } = AllLinear;
    [JsonPropertyName("lora_dropout")] public double Dropout { get; init; } = 0.05;
    [JsonPropertyName("use_rslora")] public bool RsLora { get; init; }

    public double Scaling => RsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    public void Validate(string origin)
    {
        if (Rank <= 0) throw new SharpLMException($"{origin}: option '--lora-rank' is {Rank}; it must be positive.");
        if (Alpha <= 0) throw new SharpLMException($"{origin}: option '--lora-alpha' is {Alpha}; it must be positive.");
        if (Dropout is < 0 or >= 1) throw new SharpLMException($"{origin}: option '--lora-dropout' is {Dropout}; it must be in [0, 1).");
        if (Targets.Length == 0) throw new SharpLMException($"{origin}: option '--lora-targets' names no modules.");
        foreach (string target in Targets)
            if (!AllLinear.Contains(target))
                throw new SharpLMException($"{origin}: option '--lora-targets' names '{target}'; use any of {string.Join(",", AllLinear)}.");
    }
}
