using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Models;

namespace SharpLM.Training.Pretraining;

/// <summary>The model's shape as a pretrain config states it; the vocabulary size comes from the tokenizer.</summary>
public sealed record ModelShape
{
    /// <summary>"llama" (RoPE, RMSNorm, SwiGLU; optional QK-norm or experts) or "gpt2" (learned positions, LayerNorm, GELU).</summary>
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "llama";
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 256;
    [JsonPropertyName("num_hidden_layers")] public int Layers { get; init; } = 4;
    [JsonPropertyName("num_attention_heads")] public int Heads { get; init; } = 4;
    [JsonPropertyName("num_key_value_heads")] public int? KeyValueHeads { get; init; }
    [JsonPropertyName("intermediate_size")] public int? IntermediateSize { get; init; }
    [JsonPropertyName("max_position_embeddings")] public int MaxPositions { get; init; } = 256;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000;
    [JsonPropertyName("tie_word_embeddings")] public bool TieEmbeddings { get; init; } = true;
    /// <summary>RMSNorm on each query and key head (the model is saved as Qwen3ForCausalLM).</summary>
    [JsonPropertyName("qk_norm")] public bool QkNorm { get; init; }
    /// <summary>Experts per layer; 0 for a dense feed-forward (the model is saved as MixtralForCausalLM otherwise).</summary>
    [JsonPropertyName("num_experts")] public int Experts { get; init; }
    [JsonPropertyName("experts_per_token")] public int ExpertsPerToken { get; init; } = 2;
    [JsonPropertyName("capacity_factor")] public double CapacityFactor { get; init; } = 1.25;
    [JsonPropertyName("router_aux_loss_coef")] public double RouterAuxLossCoef { get; init; } = 0.01;

    public IModelConfig ToConfig(int vocabSize, int? endOfTextId, string origin)
    {
        if (Architecture == "gpt2")
        {
            if (KeyValueHeads is not null || QkNorm || Experts > 0 || IntermediateSize is not null)
                throw new SharpLMException($"{origin}: GPT-2 models have no 'model.num_key_value_heads', 'model.qk_norm', 'model.num_experts' or 'model.intermediate_size'.");
            var gpt2 = Gpt2Config.Create(vocabSize, HiddenSize, Layers, Heads, MaxPositions, endOfTextId);
            gpt2.Validate(origin);
            return gpt2;
        }
        if (Architecture != "llama")
            throw new SharpLMException($"{origin}: field 'model.architecture' is '{Architecture}'; supported: llama, gpt2.");
        if (HiddenSize <= 0 || Heads <= 0 || HiddenSize % Heads != 0)
            throw new SharpLMException($"{origin}: field 'model.hidden_size' ({HiddenSize}) must be a positive multiple of 'model.num_attention_heads' ({Heads}).");
        var config = LlamaConfig.Create(vocabSize, HiddenSize, Layers, Heads, KeyValueHeads, IntermediateSize, MaxPositions, TieEmbeddings,
            bosTokenId: endOfTextId, eosTokenId: endOfTextId) with { RopeTheta = RopeTheta };
        if (QkNorm && Experts > 0)
            throw new SharpLMException($"{origin}: fields 'model.qk_norm' and 'model.num_experts' cannot be combined (no Hugging Face architecture has both).");
        if (QkNorm) config = config.WithQkNorm();
        if (Experts > 0) config = config.WithExperts(Experts, ExpertsPerToken, CapacityFactor, RouterAuxLossCoef);
        config.Validate(origin);
        return config;
    }
}

/// <summary>
/// A pretrain config file: <c>{"model": {...}, "training": {...}}</c>. Every field is optional; defaults are
/// the quickstart's settings.
/// </summary>
public sealed record PretrainConfig
{
    [JsonPropertyName("model")] public ModelShape Model { get; init; } = new();
    [JsonPropertyName("training")] public PretrainOptions Training { get; init; } = new();

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static PretrainConfig Load(string path)
    {
        var config = JsonFile.Read<PretrainConfig>(path, "pretrain config", Json);
        config.Training.Validate(path);
        return config;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");
}
