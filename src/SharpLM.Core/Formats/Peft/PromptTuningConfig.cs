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

    /// <summary>CAUSAL_LM for a language model's virtual tokens; SEQ_CLS for a reward model's, whose head trains beside them.</summary>
    public string TaskType { get; init; } = PeftTaskType.CausalLm;

    /// <summary>Modules PEFT trains whole beside the virtual tokens (a SEQ_CLS adapter's head); null for none.</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>The keys PEFT writes for a causal-LM prompt-tuning adapter, in its sorted order.</summary>
    public JsonObject ToJson() => new()
    {
        ["auto_mapping"] = null,
        ["base_model_name_or_path"] = BaseModel,
        ["inference_mode"] = true,
        ["modules_to_save"] = ModulesToSave is null ? null : new JsonArray(ModulesToSave.Select(m => (JsonNode)JsonValue.Create(m)).ToArray()),
        ["num_attention_heads"] = AttentionHeads,
        ["num_layers"] = Layers,
        ["num_transformer_submodules"] = 1,
        ["num_virtual_tokens"] = VirtualTokens,
        ["peft_type"] = PeftAdapterType.PromptTuning,
        ["prompt_tuning_init"] = Init,
        ["prompt_tuning_init_text"] = InitText,
        ["revision"] = null,
        ["task_type"] = TaskType,
        ["token_dim"] = TokenDim,
        ["tokenizer_kwargs"] = null,
        // PEFT requires a tokenizer for TEXT (even though loading for inference does not re-run the init); the base
        // model folder holds it.
        ["tokenizer_name_or_path"] = InitText is null ? null : BaseModel,
    };

    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, PeftConfigFile.FileName), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>
    /// Reads a prompt-tuning config; layouts SharpLM does not apply (encoder-decoder submodules, other tasks) are
    /// refused by name. <paramref name="scoring"/> asks for a reward model's (SEQ_CLS) adapter, and only then is one taken.
    /// </summary>
    public static PromptTuningConfig Load(string directory, bool scoring = false)
    {
        var file = PeftConfigFile.Read(directory);
        string type = file.PeftType;
        if (type != PeftAdapterType.PromptTuning) throw file.Problem("peft_type", $"is '{type}'; expected {PeftAdapterType.PromptTuning}");
        string task = file.Optional<string>("task_type") ?? PeftTaskType.CausalLm;
        if (!scoring && task == PeftTaskType.SequenceClassification)
            throw file.Problem("task_type", $"is '{task}': a sequence-classification adapter (a reward model's) changes scores, not text; score with the reward run folder");
        if (scoring && task != PeftTaskType.SequenceClassification)
            throw file.Problem("task_type", $"is '{task}'; a reward model's prompt-tuning adapter is {PeftTaskType.SequenceClassification}");
        if (!scoring && task != PeftTaskType.CausalLm)
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
            TaskType = task,
        };
    }
}
