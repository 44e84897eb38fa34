using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Core.Formats.Gguf;

/// <summary>One GGUF tensor of an export: where it comes from and why its type differs from the asked one, if it does.</summary>
public sealed record GgufTensorPlan(string Source, GgufTensor Tensor, string? Note = null);

/// <summary>The model half of a GGUF export: architecture metadata and tensors (the tokenizer half is added by the caller).</summary>
public sealed record GgufModelConversion(IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata, IReadOnlyList<GgufTensorPlan> Tensors);

/// <summary>
/// Maps a Hugging Face Llama-family checkpoint (config.json + model.safetensors) onto llama.cpp's GGUF
/// conventions, as llama.cpp's own converter does:
/// <list type="bullet">
/// <item>llama (LlamaForCausalLM): architecture "llama", query and key rows permuted from rotate-half to
/// interleaved RoPE (<see cref="RopePermutation"/>), since llama.cpp runs this architecture with normal RoPE;</item>
/// <item>qwen3 (Qwen3ForCausalLM): architecture "qwen3", which llama.cpp runs with NEOX (rotate-half) RoPE, so no
/// permutation, plus the per-head query/key norms attn_q_norm/attn_k_norm.</item>
/// </list>
/// Tied embeddings: output.weight is left out; llama.cpp's loaders for both architectures then use token_embd
/// for the output projection (the tensor is optional and duplicated from the embeddings when absent).
/// </summary>
public static class LlamaGgufConverter
{
    public static GgufModelConversion Convert(LlamaConfig config, SafetensorsReader weights, GgufExportType type, string modelName)
    {
        string architecture = config.ModelType switch
        {
            "llama" => "llama",
            "qwen3" => "qwen3",
            _ => throw new SharpLMException($"{weights.Path}: GGUF export supports model_type llama and qwen3; this model is '{config.ModelType}'."),
        };
        if (config.RopeScaling is { ValueKind: not System.Text.Json.JsonValueKind.Null })
            throw new SharpLMException($"{weights.Path}: config.json sets rope_scaling; GGUF export supports only plain RoPE.");

        var metadata = ModelMetadata(config, architecture, type, modelName);
        var tensors = new List<GgufTensorPlan>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        long ff = config.IntermediateSize;
        bool permute = architecture == "llama";

        void Add(string source, string target, long[] shape, Func<float[], float[]>? transform = null)
        {
            var info = weights.GetInfo(source);
            if (!info.Shape.SequenceEqual(shape))
                throw new SharpLMException($"{weights.Path}: tensor '{source}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", shape)}].");
            used.Add(source);
            var (tensorType, note) = ChooseType(shape, type);
            tensors.Add(new GgufTensorPlan(source, GgufTensor.FromFloat32(target, shape, tensorType, () =>
            {
                float[] values = weights.ReadFloat32(source);
                return transform is null ? values : transform(values);
            }), note));
        }

        Add("model.embed_tokens.weight", "token_embd.weight", [config.VocabSize, d]);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.", b = $"blk.{i}.";
            Add(p + "input_layernorm.weight", b + "attn_norm.weight", [d]);
            Add(p + "self_attn.q_proj.weight", b + "attn_q.weight", [q, d],
                permute ? w => RopePermutation.RotateHalfToInterleaved(w, config.NumAttentionHeads, (int)d) : null);
            Add(p + "self_attn.k_proj.weight", b + "attn_k.weight", [kv, d],
                permute ? w => RopePermutation.RotateHalfToInterleaved(w, config.NumKeyValueHeads, (int)d) : null);
            Add(p + "self_attn.v_proj.weight", b + "attn_v.weight", [kv, d]);
            Add(p + "self_attn.o_proj.weight", b + "attn_output.weight", [d, q]);
            if (config.UsesQkNorm)
            {
                Add(p + "self_attn.q_norm.weight", b + "attn_q_norm.weight", [config.HeadDim]);
                Add(p + "self_attn.k_norm.weight", b + "attn_k_norm.weight", [config.HeadDim]);
            }
            Add(p + "post_attention_layernorm.weight", b + "ffn_norm.weight", [d]);
            Add(p + "mlp.gate_proj.weight", b + "ffn_gate.weight", [ff, d]);
            Add(p + "mlp.up_proj.weight", b + "ffn_up.weight", [ff, d]);
            Add(p + "mlp.down_proj.weight", b + "ffn_down.weight", [d, ff]);
        }
        Add("model.norm.weight", "output_norm.weight", [d]);
        if (!config.TieWordEmbeddings) Add("lm_head.weight", "output.weight", [config.VocabSize, d]);

        foreach (var info in weights.Tensors)
        {
            bool ignorable = info.Name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)
                || (config.TieWordEmbeddings && info.Name == "lm_head.weight");
            if (!used.Contains(info.Name) && !ignorable)
                throw new SharpLMException($"{weights.Path}: unexpected tensor '{info.Name}' (not part of a {config.ModelType} model with this config.json).");
        }
        return new GgufModelConversion(metadata, tensors);
    }

    /// <summary>1-D tensors stay F32; Q8_0 needs rows that are a multiple of 32 values, otherwise F16.</summary>
    public static (GgufTensorType Type, string? Note) ChooseType(long[] shape, GgufExportType requested)
    {
        if (shape.Length == 1) return (GgufTensorType.F32, null);
        return requested switch
        {
            GgufExportType.F32 => (GgufTensorType.F32, null),
            GgufExportType.F16 => (GgufTensorType.F16, null),
            _ when shape[^1] % Quantization.Q8_0.BlockSize == 0 => (GgufTensorType.Q8_0, null),
            _ => (GgufTensorType.F16, $"rows of {shape[^1]} values are not a multiple of {Quantization.Q8_0.BlockSize}; stored as F16"),
        };
    }

    /// <summary>
    /// The keys llama.cpp's loader reads for these architectures, with the value types its converter writes
    /// (counts as UINT32, eps and rope base as FLOAT32): the loader rejects a key of any other type.
    /// </summary>
    private static List<KeyValuePair<string, GgufValue>> ModelMetadata(LlamaConfig config, string architecture, GgufExportType type, string modelName)
    {
        var metadata = new List<KeyValuePair<string, GgufValue>>();
        void Put(string key, GgufValue value) => metadata.Add(new(key, value));
        string a = architecture;
        Put("general.architecture", GgufValue.String(architecture));
        Put("general.name", GgufValue.String(modelName));
        Put(GgufWriter.AlignmentKey, GgufValue.UInt32(GgufWriter.DefaultAlignment));
        Put("general.file_type", GgufValue.UInt32(type.FileType()));
        if (type == GgufExportType.Q8_0) Put("general.quantization_version", GgufValue.UInt32(2));
        Put($"{a}.vocab_size", GgufValue.UInt32((uint)config.VocabSize));
        Put($"{a}.context_length", GgufValue.UInt32((uint)config.MaxPositionEmbeddings));
        Put($"{a}.embedding_length", GgufValue.UInt32((uint)config.HiddenSize));
        Put($"{a}.block_count", GgufValue.UInt32((uint)config.NumHiddenLayers));
        Put($"{a}.feed_forward_length", GgufValue.UInt32((uint)config.IntermediateSize));
        Put($"{a}.attention.head_count", GgufValue.UInt32((uint)config.NumAttentionHeads));
        Put($"{a}.attention.head_count_kv", GgufValue.UInt32((uint)config.NumKeyValueHeads));
        Put($"{a}.attention.layer_norm_rms_epsilon", GgufValue.Float32((float)config.RmsNormEps));
        Put($"{a}.rope.freq_base", GgufValue.Float32((float)config.RopeTheta));
        Put($"{a}.rope.dimension_count", GgufValue.UInt32((uint)config.HeadDim));
        // llama.cpp derives the head size as embedding_length / head_count unless these keys say otherwise.
        if (config.HeadDim * config.NumAttentionHeads != config.HiddenSize)
        {
            Put($"{a}.attention.key_length", GgufValue.UInt32((uint)config.HeadDim));
            Put($"{a}.attention.value_length", GgufValue.UInt32((uint)config.HeadDim));
        }
        return metadata;
    }
}
