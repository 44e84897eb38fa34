using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

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
    /// <summary>Plans the GGUF tensors of a checked Llama-family model.safetensors (<see cref="ModelWeights"/>), in <see cref="LlamaTensorNames"/>' order.</summary>
    public static GgufModelConversion Convert(ModelWeights weights, GgufExportType type, string modelName)
    {
        var config = weights.Config as LlamaConfig
            ?? throw new SharpLMException($"{weights.Path}: GGUF export supports model_type llama and qwen3; this model is '{weights.Config.ModelType}'.");
        string architecture = Architecture(config, weights.Path);
        if (config.RopeScaling is { ValueKind: not System.Text.Json.JsonValueKind.Null })
            throw new SharpLMException($"{weights.Path}: config.json sets rope_scaling; GGUF export supports only plain RoPE.");

        if (weights.Table.Tensors.FirstOrDefault(t => StoredMatrixLayout.IsQuantized(weights.Info(t.Name).DType)) is { } quantized)
            throw new SharpLMException($"{weights.Path}: tensor '{quantized.Name}' is quantized for the C# engine; export GGUF from the float model folder (--type q8_0 quantizes for llama.cpp).");

        // llama.cpp runs "llama" with interleaved RoPE, so query and key rows are permuted from transformers' rotate-half.
        bool permute = PermutesQueryKey(architecture);
        int d = config.HiddenSize;
        var tensors = new List<GgufTensorPlan>();
        foreach (var tensor in weights.Table.Tensors)
        {
            string target = tensor.GgufName ?? throw new InvalidOperationException($"'{tensor.Name}' has no GGUF name.");
            Func<float[], float[]>? transform = !permute ? null
                : target.EndsWith(".attn_q.weight", StringComparison.Ordinal) ? w => RopePermutation.RotateHalfToInterleaved(w, config.NumAttentionHeads, d)
                : target.EndsWith(".attn_k.weight", StringComparison.Ordinal) ? w => RopePermutation.RotateHalfToInterleaved(w, config.NumKeyValueHeads, d)
                : null;
            string source = tensor.Name;
            var (tensorType, note) = ChooseType(tensor.Shape, type);
            tensors.Add(new GgufTensorPlan(source, GgufTensor.FromFloat32(target, tensor.Shape, tensorType, () =>
            {
                float[] values = weights.ReadFloat32(source);
                return transform is null ? values : transform(values);
            }), note));
        }
        return new GgufModelConversion(ModelMetadata(config, architecture, type, modelName), tensors);
    }

    /// <summary>llama.cpp's general.architecture for a model_type (an adapter must name the same one as its base).</summary>
    public static string Architecture(LlamaConfig config, string source) => config.ModelType switch
    {
        "llama" => "llama",
        "qwen3" => "qwen3",
        _ => throw new SharpLMException($"{source}: GGUF export supports model_type llama and qwen3; this model is '{config.ModelType}'."),
    };

    /// <summary>Whether llama.cpp runs the architecture with interleaved RoPE, so query and key rows are permuted from rotate-half.</summary>
    public static bool PermutesQueryKey(string architecture) => architecture == "llama";

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
