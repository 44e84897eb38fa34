using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core.IO;

namespace SharpLM.Core.Models;

/// <summary>
/// GPT-2's architecture (learned positions, LayerNorm, GELU, biases everywhere) with the keys of transformers'
/// GPT2Config, so config.json loads as GPT2LMHeadModel.
/// </summary>
public sealed record Gpt2Config : IModelConfig
{
    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = ["GPT2LMHeadModel"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "gpt2";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("n_positions")] public int Positions { get; init; }
    [JsonPropertyName("n_embd")] public int Embedding { get; init; }
    [JsonPropertyName("n_layer")] public int Layers { get; init; }
    [JsonPropertyName("n_head")] public int Heads { get; init; }
    /// <summary>Feed-forward width; null means 4 × n_embd.</summary>
    [JsonPropertyName("n_inner")] public int? Inner { get; init; }
    [JsonPropertyName("activation_function")] public string Activation { get; init; } = "gelu_new";
    [JsonPropertyName("layer_norm_epsilon")] public double LayerNormEpsilon { get; init; } = 1e-5;
    [JsonPropertyName("resid_pdrop")] public double ResidualDropout { get; init; }
    [JsonPropertyName("embd_pdrop")] public double EmbeddingDropout { get; init; }
    [JsonPropertyName("attn_pdrop")] public double AttentionDropout { get; init; }
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("scale_attn_weights")] public bool ScaleAttentionWeights { get; init; } = true;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; } = true;
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public int? EosTokenId { get; init; }
    [JsonPropertyName("use_cache")] public bool UseCache { get; init; } = true;
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; init; } = "float32";

    [JsonIgnore] public int HiddenSize => Embedding;
    [JsonIgnore] public int NumHiddenLayers => Layers;
    [JsonIgnore] public int MaxPositionEmbeddings => Positions;
    [JsonIgnore] public int InnerSize => Inner ?? 4 * Embedding;

    public static Gpt2Config Create(int vocabSize, int embedding, int layers, int heads, int positions, int? endOfTextId = null)
    {
        var config = new Gpt2Config
        {
            VocabSize = vocabSize, Embedding = embedding, Layers = layers, Heads = heads, Positions = positions,
            BosTokenId = endOfTextId, EosTokenId = endOfTextId,
        };
        config.Validate("config");
        return config;
    }

    public void Validate(string origin)
    {
        void Require(bool condition, string field, string problem)
        {
            if (!condition) throw new SharpLMException($"{origin}: field '{field}' {problem}.");
        }
        Require(VocabSize > 0, "vocab_size", "must be positive");
        Require(Positions > 0, "n_positions", "must be positive");
        Require(Layers > 0, "n_layer", "must be positive");
        Require(Heads > 0 && Embedding > 0 && Embedding % Heads == 0, "n_embd", $"must be a positive multiple of n_head ({Heads})");
        Require(Activation is "gelu_new" or "gelu_pytorch_tanh" or "gelu", "activation_function", $"is '{Activation}'; supported: gelu_new, gelu_pytorch_tanh, gelu");
        Require(ScaleAttentionWeights, "scale_attn_weights", "must be true");
        Require(TieWordEmbeddings, "tie_word_embeddings", "must be true (GPT2LMHeadModel ties lm_head to wte)");
        Require(Architectures.Contains("GPT2LMHeadModel"), "architectures", "must contain \"GPT2LMHeadModel\"");
    }

    [JsonIgnore] public long ParameterCount
    {
        get
        {
            long d = Embedding, inner = InnerSize;
            long perLayer = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * inner + inner) + (inner * d + d);
            return (long)VocabSize * d + (long)Positions * d + Layers * perLayer + 2 * d;
        }
    }

    public double TrainingFlopsPerToken(int sequenceLength)
    {
        long d = Embedding;
        long matmul = Layers * (d * 3 * d + d * d + 2 * d * InnerSize) + (long)VocabSize * d;
        return 6.0 * matmul + 12.0 * Layers * d * sequenceLength;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static Gpt2Config Load(string path) =>
        ModelConfigFile.Load(path) as Gpt2Config ?? throw new SharpLMException($"{path}: not a GPT-2 config (model_type must be \"gpt2\").");

    /// <summary>Binds a parsed config.json (see <see cref="ModelConfigFile"/>) and validates it.</summary>
    internal static Gpt2Config FromJson(JsonElement root, string path)
    {
        var config = root.Deserialize<Gpt2Config>(JsonOptions)!;
        config.Validate(path);
        return config;
    }
}
