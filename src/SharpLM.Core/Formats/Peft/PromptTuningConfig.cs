using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// adapter_config.json of a PEFT prompt-tuning adapter (Lester et al., 2021): num_virtual_tokens learned input
/// embeddings of width token_dim (the model's hidden size) placed before every input. The keys are those of PEFT's
/// PromptTuningConfig and its PromptLearningConfig base for a causal language model: one transformer submodule,
/// initialised from the embeddings of a text (TEXT) or at random (RANDOM).
/// </summary>
public sealed record PromptTuningConfig
{
    public const string Random = "RANDOM";
    public const string Text = "TEXT";

    public required string BaseModel { get; init; }
    public required int VirtualTokens { get; init; }
    public required int TokenDim { get; init; }
    public int AttentionHeads { get; init; }
    public int Layers { get; init; }
    /// <summary>The text whose token embeddings started the training (TEXT); null for RANDOM.</summary>
    public string? InitText { get; init; }

    public string Init => InitText is null ? Random : Text;

    /// <summary>The keys PEFT writes for a causal-LM prompt-tuning adapter, in its sorted order.</summary>
    public JsonObject ToJson() => new()
    {
        ["auto_mapping"] = null,
        ["base_model_name_or_path"] = BaseModel,
        ["inference_mode"] = true,
        ["modules_to_save"] = null,
        ["num_attention_heads"] = AttentionHeads,
        ["num_layers"] = Layers,
        ["num_transformer_submodules"] = 1,
        ["num_virtual_tokens"] = VirtualTokens,
        ["peft_type"] = PeftAdapterType.PromptTuning,
        ["prompt_tuning_init"] = Init,
        ["prompt_tuning_init_text"] = InitText,
        ["revision"] = null,
        ["task_type"] = PeftTaskType.CausalLm,
        ["token_dim"] = TokenDim,
        ["tokenizer_kwargs"] = null,
        // PEFT requires a tokenizer for TEXT (even though loading for inference does not re-run the init); the base
        // model folder holds it.
        ["tokenizer_name_or_path"] = InitText is null ? null : BaseModel,
    };

    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, PeftConfigFile.FileName), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>Reads a prompt-tuning config; layouts SharpLM does not apply (encoder-decoder submodules, other tasks) are refused by name.</summary>
    public static PromptTuningConfig Load(string directory)
    {
        var file = PeftConfigFile.Read(directory);
        string type = file.PeftType;
        if (type != PeftAdapterType.PromptTuning) throw file.Problem("peft_type", $"is '{type}'; expected {PeftAdapterType.PromptTuning}");
        if (file.Optional<string>("task_type") is { } task && task != PeftTaskType.CausalLm)
            throw file.Problem("task_type", $"is '{task}'; prompt-tuning adapters apply to {PeftTaskType.CausalLm} models");
        if (file.OptionalInt("num_transformer_submodules") is { } submodules && submodules != 1)
            throw file.Problem("num_transformer_submodules", $"is {submodules}; a decoder-only model has 1");
        int tokens = file.Get<int>("num_virtual_tokens");
        if (tokens <= 0) throw file.Problem("num_virtual_tokens", $"is {tokens}; it must be positive");
        int dim = file.Get<int>("token_dim");
        if (dim <= 0) throw file.Problem("token_dim", $"is {dim}; it must be positive");
        return new PromptTuningConfig
        {
            BaseModel = file.Optional<string>("base_model_name_or_path") ?? "",
            VirtualTokens = tokens,
            TokenDim = dim,
            AttentionHeads = file.OptionalInt("num_attention_heads") ?? 0,
            Layers = file.OptionalInt("num_layers") ?? 0,
            InitText = file.Optional<string>("prompt_tuning_init") == Text ? file.Optional<string>("prompt_tuning_init_text") : null,
        };
    }
}
