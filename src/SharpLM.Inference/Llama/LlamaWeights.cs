using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Inference.Llama;

/// <summary>One decoder layer's float32 weights, row-major as in the checkpoint ([out, in]).</summary>
public sealed record LlamaLayerWeights(
    float[] InputNorm, float[] Query, float[] Key, float[] Value, float[] Output,
    float[]? QueryNorm, float[]? KeyNorm, float[] PostAttentionNorm, float[] Gate, float[] Up, float[] Down);

/// <summary>
/// A Llama-family checkpoint (LlamaForCausalLM, or Qwen3ForCausalLM with QK-norm) read into float32 arrays. The
/// output projection is the token embedding table when embeddings are tied.
/// </summary>
public sealed class LlamaWeights
{
    public LlamaConfig Config { get; }
    public float[] Embeddings { get; }
    public LlamaLayerWeights[] Layers { get; }
    public float[] FinalNorm { get; }
    public float[] OutputProjection { get; }

    private LlamaWeights(LlamaConfig config, float[] embeddings, LlamaLayerWeights[] layers, float[] finalNorm, float[] output)
    {
        Config = config;
        Embeddings = embeddings;
        Layers = layers;
        FinalNorm = finalNorm;
        OutputProjection = output;
    }

    /// <summary>Random weights of a given shape (normal, std 0.02; norm gains 1): for speed measurements, where values do not matter.</summary>
    public static LlamaWeights Random(LlamaConfig config, int seed)
    {
        var random = new System.Random(seed);
        float[] Normal(long count)
        {
            var values = new float[count];
            for (long i = 0; i < count; i += 2)
            {
                double u = 1 - random.NextDouble(), v = random.NextDouble(), r = Math.Sqrt(-2 * Math.Log(u)) * 0.02;
                values[i] = (float)(r * Math.Cos(2 * Math.PI * v));
                if (i + 1 < count) values[i + 1] = (float)(r * Math.Sin(2 * Math.PI * v));
            }
            return values;
        }
        float[] Ones(long count) => Enumerable.Repeat(1f, (int)count).ToArray();
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim, ff = config.IntermediateSize;
        var layers = Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new LlamaLayerWeights(
            Ones(d), Normal(q * d), Normal(kv * d), Normal(kv * d), Normal(d * q),
            config.UsesQkNorm ? Ones(config.HeadDim) : null, config.UsesQkNorm ? Ones(config.HeadDim) : null,
            Ones(d), Normal(ff * d), Normal(ff * d), Normal(d * ff))).ToArray();
        var embeddings = Normal(config.VocabSize * d);
        return new LlamaWeights(config, embeddings, layers, Ones(d), config.TieWordEmbeddings ? embeddings : Normal(config.VocabSize * d));
    }

    /// <summary>Bytes of weights one decoded token reads: every matrix once, plus one embedding row.</summary>
    public long WeightBytesPerToken
    {
        get
        {
            long perLayer = Layers.Length == 0 ? 0 : new[] { Layers[0].Query, Layers[0].Key, Layers[0].Value, Layers[0].Output, Layers[0].Gate, Layers[0].Up, Layers[0].Down }.Sum(m => (long)m.Length);
            return 4 * (perLayer * Layers.Length + OutputProjection.Length + Config.HiddenSize);
        }
    }

    /// <summary>Reads config.json and model.safetensors from a Hugging Face model folder.</summary>
    public static LlamaWeights Load(string directory)
    {
        var config = ModelConfigFile.Load(Path.Combine(directory, "config.json")) as LlamaConfig
            ?? throw new SharpLMException($"{directory}: the inference engine runs Llama-family models (llama, qwen3); this config is another family.");
        if (config.IsMixtureOfExperts)
            throw new SharpLMException($"{directory}: the inference engine does not run mixture-of-experts models yet.");
        string path = Path.Combine(directory, "model.safetensors");
        using var reader = new SafetensorsReader(path);
        float[] Read(string name, params long[] shape)
        {
            var info = reader.GetInfo(name);
            if (!info.Shape.SequenceEqual(shape))
                throw new SharpLMException($"{path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", shape)}].");
            return reader.ReadFloat32(name);
        }
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim, ff = config.IntermediateSize;
        var layers = new LlamaLayerWeights[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"model.layers.{i}.";
            layers[i] = new LlamaLayerWeights(
                Read(p + "input_layernorm.weight", d),
                Read(p + "self_attn.q_proj.weight", q, d), Read(p + "self_attn.k_proj.weight", kv, d), Read(p + "self_attn.v_proj.weight", kv, d),
                Read(p + "self_attn.o_proj.weight", d, q),
                config.UsesQkNorm ? Read(p + "self_attn.q_norm.weight", config.HeadDim) : null,
                config.UsesQkNorm ? Read(p + "self_attn.k_norm.weight", config.HeadDim) : null,
                Read(p + "post_attention_layernorm.weight", d),
                Read(p + "mlp.gate_proj.weight", ff, d), Read(p + "mlp.up_proj.weight", ff, d), Read(p + "mlp.down_proj.weight", d, ff));
        }
        var embeddings = Read("model.embed_tokens.weight", config.VocabSize, d);
        var output = config.TieWordEmbeddings ? embeddings : Read("lm_head.weight", config.VocabSize, d);
        return new LlamaWeights(config, embeddings, layers, Read("model.norm.weight", d), output);
    }

    /// <summary>
    /// The same model cut to its first <paramref name="layers"/> decoder layers, sharing the arrays (no copy):
    /// the final norm and output projection then read an earlier layer's hidden state. A cheap draft model for
    /// speculative decoding when no smaller model was trained, since it agrees with the full model where the
    /// later layers change little.
    /// </summary>
    public LlamaWeights FirstLayers(int layers)
    {
        if (layers < 1 || layers > Layers.Length)
            throw new SharpLMException($"a model of {Layers.Length} layers cannot be cut to {layers} (1 to {Layers.Length}).");
        return new LlamaWeights(Config with { NumHiddenLayers = layers }, Embeddings, Layers[..layers], FinalNorm, OutputProjection);
    }
}
