using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core.IO;

namespace SharpLM.Core.Models;

/// <summary>
/// The architecture of a Llama-style decoder, serialised with the keys of Hugging Face transformers' configs
/// so that config.json loads in transformers (AutoModelForCausalLM) and llama.cpp's converter. Three variants
/// share it, told apart by "model_type":
/// <list type="bullet">
/// <item>"llama" (LlamaForCausalLM): RoPE, RMSNorm, SwiGLU, grouped-query attention;</item>
/// <item>"qwen3" (Qwen3ForCausalLM): the same plus RMSNorm on each query and key head (QK-norm);</item>
/// <item>"mixtral" (MixtralForCausalLM): the same as llama with a mixture-of-experts feed-forward in every layer.</item>
/// </list>
/// </summary>
public sealed record LlamaConfig : IModelConfig
{
    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = ["LlamaForCausalLM"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "llama";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; }
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; }
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public int NumKeyValueHeads { get; init; }
    [JsonPropertyName("head_dim")] public int HeadDim { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; }
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-5;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; } = true;
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public int? EosTokenId { get; init; }
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; init; }
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("pretraining_tp")] public int PretrainingTp { get; init; } = 1;
    [JsonPropertyName("use_cache")] public bool UseCache { get; init; } = true;
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; init; } = "float32";

    // Mixture of experts (Mixtral's keys); absent for dense models.
    [JsonPropertyName("num_local_experts"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? NumLocalExperts { get; init; }
    [JsonPropertyName("num_experts_per_tok"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? NumExpertsPerToken { get; init; }
    [JsonPropertyName("router_aux_loss_coef"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? RouterAuxLossCoef { get; init; }
    /// <summary>
    /// SharpLM's key: during training each expert takes at most capacity_factor × tokens × k / experts tokens of
    /// a batch, the rest pass through on the residual. Inference is dropless, as in transformers' Mixtral.
    /// </summary>
    [JsonPropertyName("capacity_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? CapacityFactor { get; init; }

    [JsonIgnore] public bool IsMixtureOfExperts => ModelType == "mixtral";
    [JsonIgnore] public bool UsesQkNorm => ModelType == "qwen3";

    /// <summary>The same shape as a Qwen3 model (QK-norm).</summary>
    public LlamaConfig WithQkNorm() => this with { ModelType = "qwen3", Architectures = ["Qwen3ForCausalLM"] };

    /// <summary>The same shape with a mixture-of-experts feed-forward (Mixtral layout).</summary>
    public LlamaConfig WithExperts(int experts, int perToken, double capacityFactor = 1.25, double auxLossCoef = 0.01) => this with
    {
        ModelType = "mixtral", Architectures = ["MixtralForCausalLM"], NumLocalExperts = experts, NumExpertsPerToken = perToken,
        CapacityFactor = capacityFactor, RouterAuxLossCoef = auxLossCoef,
    };

    /// <summary>Builds a config with derived fields filled in (head_dim, key/value heads).</summary>
    public static LlamaConfig Create(int vocabSize, int hiddenSize, int layers, int heads, int? keyValueHeads = null,
        int? intermediateSize = null, int maxPositions = 256, bool tieEmbeddings = true, int? bosTokenId = null, int? eosTokenId = null)
    {
        var config = new LlamaConfig
        {
            VocabSize = vocabSize,
            HiddenSize = hiddenSize,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = keyValueHeads ?? heads,
            HeadDim = hiddenSize / heads,
            IntermediateSize = intermediateSize ?? DefaultIntermediateSize(hiddenSize),
            MaxPositionEmbeddings = maxPositions,
            TieWordEmbeddings = tieEmbeddings,
            BosTokenId = bosTokenId,
            EosTokenId = eosTokenId,
        };
        config.Validate("config");
        return config;
    }

    /// <summary>Llama's SwiGLU width: two thirds of 4 × hidden, rounded up to a multiple of 32.</summary>
    public static int DefaultIntermediateSize(int hiddenSize) => (int)Math.Ceiling(8.0 * hiddenSize / 3 / 32) * 32;

    /// <summary>Throws a <see cref="SharpLMException"/> naming the first inconsistent field.</summary>
    public void Validate(string origin)
    {
        void Require(bool condition, string field, string problem)
        {
            if (!condition) throw new SharpLMException($"{origin}: field '{field}' {problem}.");
        }
        Require(VocabSize > 0, "vocab_size", "must be positive");
        Require(HiddenSize > 0, "hidden_size", "must be positive");
        Require(IntermediateSize > 0, "intermediate_size", "must be positive");
        Require(NumHiddenLayers > 0, "num_hidden_layers", "must be positive");
        Require(NumAttentionHeads > 0, "num_attention_heads", "must be positive");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0, "num_key_value_heads",
            $"must divide num_attention_heads ({NumAttentionHeads})");
        Require(HeadDim > 0 && HeadDim % 2 == 0, "head_dim", "must be a positive even number (rotary embeddings rotate pairs)");
        Require(MaxPositionEmbeddings > 0, "max_position_embeddings", "must be positive");
        Require(HiddenAct == "silu", "hidden_act", $"is '{HiddenAct}', only 'silu' is supported");
        Require(RmsNormEps > 0, "rms_norm_eps", "must be positive");
        Require(RopeTheta > 0, "rope_theta", "must be positive");
        Require(!AttentionBias, "attention_bias", "must be false");
        Require(!MlpBias, "mlp_bias", "must be false");
        var expected = new Dictionary<string, string> { ["llama"] = "LlamaForCausalLM", ["qwen3"] = "Qwen3ForCausalLM", ["mixtral"] = "MixtralForCausalLM" };
        Require(expected.ContainsKey(ModelType), "model_type", $"is '{ModelType}'; supported: {string.Join(", ", expected.Keys)}");
        Require(Architectures.Contains(expected[ModelType]), "architectures", $"must contain \"{expected[ModelType]}\" for model_type '{ModelType}'");
        if (IsMixtureOfExperts)
        {
            Require(NumLocalExperts is >= 2, "num_local_experts", "must be at least 2");
            Require(NumExpertsPerToken is 1 or 2 && NumExpertsPerToken <= NumLocalExperts, "num_experts_per_tok", "must be 1 or 2");
            Require(CapacityFactor is null or > 0, "capacity_factor", "must be positive");
            Require(RouterAuxLossCoef is null or >= 0, "router_aux_loss_coef", "must not be negative");
        }
    }

    public double TrainingFlopsPerToken(int sequenceLength)
    {
        long d = HiddenSize;
        long q = (long)NumAttentionHeads * HeadDim, kv = (long)NumKeyValueHeads * HeadDim;
        // With a mixture of experts only the k experts a token visits count, plus the router.
        long activeExperts = IsMixtureOfExperts ? NumExpertsPerToken!.Value : 1;
        long router = IsMixtureOfExperts ? d * NumLocalExperts!.Value : 0;
        long perLayer = d * q + 2 * d * kv + q * d + activeExperts * 3 * d * IntermediateSize + router;
        long matmulParameters = NumHiddenLayers * perLayer + (long)VocabSize * d;
        return 6.0 * matmulParameters + 12.0 * NumHiddenLayers * q * sequenceLength;
    }

    /// <summary>Parameter count, counting tied embeddings once.</summary>
    [JsonIgnore] public long ParameterCount
    {
        get
        {
            long d = HiddenSize, kv = (long)NumKeyValueHeads * HeadDim, q = (long)NumAttentionHeads * HeadDim;
            long experts = IsMixtureOfExperts ? NumLocalExperts!.Value : 1;
            long router = IsMixtureOfExperts ? d * experts : 0;
            long qkNorm = UsesQkNorm ? 2L * HeadDim : 0;
            long perLayer = d * q + 2 * d * kv + q * d + experts * 3 * d * IntermediateSize + router + qkNorm + 2 * d;
            long embeddings = (long)VocabSize * d * (TieWordEmbeddings ? 1 : 2);
            return embeddings + NumHiddenLayers * perLayer + d;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static LlamaConfig Load(string path) =>
        ModelConfigFile.Load(path) as LlamaConfig ?? throw new SharpLMException($"{path}: not a Llama-family config (model_type is \"gpt2\").");

    /// <summary>Binds a parsed config.json (see <see cref="ModelConfigFile"/>), filling what older configs leave out, and validates it.</summary>
    internal static LlamaConfig FromJson(JsonElement root, string path)
    {
        var config = root.Deserialize<LlamaConfig>(JsonOptions)!;
        if (!root.TryGetProperty("head_dim", out _) && config.NumAttentionHeads > 0)
            config = config with { HeadDim = config.HiddenSize / config.NumAttentionHeads };
        if (!root.TryGetProperty("num_key_value_heads", out _))
            config = config with { NumKeyValueHeads = config.NumAttentionHeads };
        // transformers v5 moves rope_theta into rope_parameters; accept both forms.
        if (!root.TryGetProperty("rope_theta", out _) && root.TryGetProperty("rope_parameters", out var rope)
            && rope.ValueKind == JsonValueKind.Object && rope.TryGetProperty("rope_theta", out var theta))
            config = config with { RopeTheta = theta.GetDouble() };
        config.Validate(path);
        return config;
    }
}
