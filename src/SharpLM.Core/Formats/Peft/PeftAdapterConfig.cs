using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// adapter_config.json of a PEFT LoRA adapter: the keys PEFT writes and reads (peft_type "LORA", task_type
/// "CAUSAL_LM" or, for a reward model, "SEQ_CLS", r, lora_alpha, target_modules, use_rslora, modules_to_save, ...).
/// Scaling is lora_alpha / r, or lora_alpha / √r with rsLoRA.
/// </summary>
public sealed record PeftAdapterConfig
{
    public const string FileName = PeftConfigFile.FileName;

    public required string BaseModel { get; init; }
    public required int Rank { get; init; }
    public required double Alpha { get; init; }
    public required IReadOnlyList<string> TargetModules { get; init; }
    public double Dropout { get; init; }
    public bool UseRsLora { get; init; }
    /// <summary>CAUSAL_LM for a language model's adapter; SEQ_CLS for a reward model's, whose head trains whole.</summary>
    public string TaskType { get; init; } = PeftTaskType.CausalLm;
    /// <summary>Modules trained whole and saved beside the LoRA factors (PEFT's modules_to_save); null for none.</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }
    /// <summary>Tokens whose embedding rows train beside the factors (PEFT's trainable_token_indices); null for none.</summary>
    public IReadOnlyList<int>? TrainableTokenIndices { get; init; }

    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>PEFT's LoRA config keys with the values PEFT 0.17 writes for a plain adapter (and trainable_token_indices, PEFT 0.15 on, when tokens trained).</summary>
    public JsonObject ToJson()
    {
        var json = Keys();
        if (TrainableTokenIndices is { } ids) json["trainable_token_indices"] = new JsonArray(ids.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
        return json;
    }

    private JsonObject Keys() => new()
    {
        ["alpha_pattern"] = new JsonObject(),
        ["auto_mapping"] = null,
        ["base_model_name_or_path"] = BaseModel,
        ["bias"] = "none",
        ["fan_in_fan_out"] = false,
        ["inference_mode"] = true,
        ["init_lora_weights"] = true,
        ["layer_replication"] = null,
        ["layers_pattern"] = null,
        ["layers_to_transform"] = null,
        ["loftq_config"] = new JsonObject(),
        ["lora_alpha"] = Alpha,
        ["lora_bias"] = false,
        ["lora_dropout"] = Dropout,
        ["megatron_config"] = null,
        ["megatron_core"] = "megatron.core",
        ["modules_to_save"] = ModulesToSave is null ? null : new JsonArray(ModulesToSave.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
        ["peft_type"] = "LORA",
        ["r"] = Rank,
        ["rank_pattern"] = new JsonObject(),
        ["revision"] = null,
        ["target_modules"] = new JsonArray(TargetModules.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
        ["task_type"] = TaskType,
        ["use_dora"] = false,
        ["use_rslora"] = UseRsLora,
    };

    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>Reads an adapter's config; features this reader does not apply (DoRA, per-layer ranks, biases, fan_in_fan_out) are refused by name.</summary>
    public static PeftAdapterConfig Load(string directory)
    {
        var file = PeftConfigFile.Read(directory);
        var json = file.Json;
        SharpLMException Problem(string field, string what) => file.Problem(field, what);
        T Get<T>(string field) => file.Get<T>(field);
        string peftType = Get<string>("peft_type");
        if (peftType != PeftAdapterType.Lora) throw Problem("peft_type", $"is '{peftType}'; only LORA adapters are supported");
        int rank = Get<int>("r");
        if (rank <= 0) throw Problem("r", "must be positive");
        double alpha = Get<double>("lora_alpha");
        if (json["fan_in_fan_out"]?.GetValue<bool>() == true) throw Problem("fan_in_fan_out", "is true (GPT-2 Conv1D layout); only Linear layers are supported");
        if (json["use_dora"]?.GetValue<bool>() == true) throw Problem("use_dora", "is true; DoRA adapters are not supported");
        if (json["bias"] is { } bias && bias.GetValue<string>() != "none") throw Problem("bias", $"is '{bias}'; only 'none' is supported");
        foreach (string pattern in new[] { "rank_pattern", "alpha_pattern" })
            if (json[pattern] is JsonObject { Count: > 0 }) throw Problem(pattern, "is not empty; per-layer ranks and alphas are not supported");
        if (file.Optional<string>("task_type") == PeftTaskType.SequenceClassification)
            throw Problem("task_type", $"is '{PeftTaskType.SequenceClassification}': a sequence-classification adapter (a reward model's) changes scores, not text; use the reward run's model/ folder");
        if (json["modules_to_save"] is JsonArray { Count: > 0 }) throw Problem("modules_to_save", "is not empty; adapters that replace whole modules are not supported");
        var targets = json["target_modules"] switch
        {
            JsonArray array => array.Select(n => n?.GetValue<string>() ?? throw Problem("target_modules", "holds null")).ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => throw Problem("target_modules", "is missing"),
        };
        return new PeftAdapterConfig
        {
            BaseModel = json["base_model_name_or_path"]?.GetValue<string>() ?? "",
            Rank = rank,
            Alpha = alpha,
            TargetModules = targets,
            Dropout = json["lora_dropout"]?.GetValue<double>() ?? 0,
            UseRsLora = json["use_rslora"]?.GetValue<bool>() ?? false,
            TrainableTokenIndices = TrainableTokensAdapter.TokenIndices(file, "trainable_token_indices"),
        };
    }
}
