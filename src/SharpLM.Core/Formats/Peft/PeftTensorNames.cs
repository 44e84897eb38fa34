namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// PEFT's tensor names in adapter_model.safetensors: the base model's module path under "base_model.model.", then
/// "lora_A.weight" [r, in] or "lora_B.weight" [out, r] (the adapter's own name is removed on save), e.g.
/// base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight for model.layers.0.self_attn.q_proj.weight.
/// </summary>
public static class PeftTensorNames
{
    public const string Prefix = "base_model.model.";
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>The A (down) matrix of the module whose base weight is <paramref name="module"/> ("model.layers.0.self_attn.q_proj").</summary>
    public static string LoraA(string module) => $"{Prefix}{module}.lora_A.weight";

    public static string LoraB(string module) => $"{Prefix}{module}.lora_B.weight";

    /// <summary>
    /// A tensor of a module PEFT trains whole (modules_to_save), e.g. base_model.model.score.weight for score.weight:
    /// PEFT saves the trained copy under the module's own path, without its wrapper's "modules_to_save.&lt;adapter&gt;".
    /// </summary>
    public static string ModuleToSave(string tensor) => Prefix + tensor;

    /// <summary>
    /// The same for a prompt-learning adapter, e.g. base_model.score.weight: there the PEFT model's base_model is the
    /// transformers model itself, with no tuner wrapper (and its ".model") between them.
    /// </summary>
    public static string PromptLearningModuleToSave(string tensor) => "base_model." + tensor;

    /// <summary>The base model's weight tensor an adapted module changes.</summary>
    public static string BaseWeight(string module) => module + ".weight";

    /// <summary>The module path of a lora_A tensor name, or null when the name is not one.</summary>
    public static string? ModuleOfLoraA(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".lora_A.weight", StringComparison.Ordinal)
            ? name[Prefix.Length..^".lora_A.weight".Length] : null;
}
