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
}
