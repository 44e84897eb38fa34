using SharpLM.Core.Formats.Gguf;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Core.Tests;

public class LlamaGgufConverterTests
{
    /// <summary>A random checkpoint with the tensor names and shapes transformers gives the config.</summary>
    private static Dictionary<string, float[]> WriteCheckpoint(string path, LlamaConfig config, int seed, params string[] extra)
    {
        var random = new Random(seed);
        var tensors = new Dictionary<string, (long[] Shape, float[] Values)>();
        void Add(string name, params long[] shape) =>
            tensors[name] = (shape, Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        long d = config.HiddenSize, q = config.NumAttentionHeads * config.HeadDim, kv = config.NumKeyValueHeads * config.HeadDim, ff = config.IntermediateSize;
        Add("model.embed_tokens.weight", config.VocabSize, d);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            Add(p + "input_layernorm.weight", d);
            Add(p + "self_attn.q_proj.weight", q, d);
            Add(p + "self_attn.k_proj.weight", kv, d);
            Add(p + "self_attn.v_proj.weight", kv, d);
            Add(p + "self_attn.o_proj.weight", d, q);
            if (config.UsesQkNorm) { Add(p + "self_attn.q_norm.weight", config.HeadDim); Add(p + "self_attn.k_norm.weight", config.HeadDim); }
            Add(p + "post_attention_layernorm.weight", d);
            Add(p + "mlp.gate_proj.weight", ff, d);
            Add(p + "mlp.up_proj.weight", ff, d);
            Add(p + "mlp.down_proj.weight", d, ff);
        }
        Add("model.norm.weight", d);
        if (!config.TieWordEmbeddings) Add("lm_head.weight", config.VocabSize, d);
        foreach (string name in extra) Add(name, 4);
        SafetensorsWriter.Write(path, tensors.Select(t => SafetensorsTensor.FromFloat32(t.Key, t.Value.Shape, t.Value.Values)));
        return tensors.ToDictionary(t => t.Key, t => t.Value.Values);
    }

    // Rows of 64 values quantize; ffn_down's rows of 80 do not, so Q8_0 falls back to F16 there.
    private static readonly LlamaConfig Llama = LlamaConfig.Create(vocabSize: 40, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2,
        intermediateSize: 80, maxPositions: 128) with { RopeTheta = 500000, RmsNormEps = 1e-6 };

    private static GgufFile Export(TempDirectory dir, LlamaConfig config, GgufExportType type)
    {
        using var weights = ModelWeights.Open(config, dir.File("model.safetensors"));
        var conversion = LlamaGgufConverter.Convert(weights, type, "tiny");
        GgufWriter.WriteFile(dir.File("m.gguf"), conversion.Metadata, conversion.Tensors.Select(t => t.Tensor).ToList());
        return GgufReader.Read(dir.File("m.gguf"));
    }

    [Fact]
    public void Llama_export_names_types_permutes_and_describes_the_model_as_llama_cpp_expects()
    {
        using var dir = new TempDirectory();
        var original = WriteCheckpoint(dir.File("model.safetensors"), Llama, 1, "model.layers.0.self_attn.rotary_emb.inv_freq");
        var file = Export(dir, Llama, GgufExportType.Q8_0);

        string[] perLayer = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"];
        var expectedNames = new List<string> { "token_embd.weight" };
        for (int i = 0; i < 2; i++) expectedNames.AddRange(perLayer.Select(n => $"blk.{i}.{n}.weight"));
        expectedNames.Add("output_norm.weight"); // tied embeddings: no output.weight, llama.cpp reuses token_embd
        Assert.Equal(expectedNames, file.Tensors.Select(t => t.Name));

        Assert.Equal(new long[] { 64, 40 }, file.GetTensor("token_embd.weight").Dimensions);
        Assert.Equal(new long[] { 64, 32 }, file.GetTensor("blk.0.attn_k.weight").Dimensions);
        Assert.Equal(new long[] { 80, 64 }, file.GetTensor("blk.1.ffn_down.weight").Dimensions);
        Assert.Equal(GgufTensorType.F32, file.GetTensor("blk.0.attn_norm.weight").Type);
        Assert.Equal(GgufTensorType.F32, file.GetTensor("output_norm.weight").Type);
        Assert.Equal(GgufTensorType.Q8_0, file.GetTensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgufTensorType.F16, file.GetTensor("blk.0.ffn_down.weight").Type);

        Assert.Equal(original["model.layers.1.input_layernorm.weight"], file.ReadFloat32("blk.1.attn_norm.weight"));
        var expectedQ = RopePermutation.RotateHalfToInterleaved(original["model.layers.1.self_attn.q_proj.weight"], 4, 64);
        var expectedK = RopePermutation.RotateHalfToInterleaved(original["model.layers.1.self_attn.k_proj.weight"], 2, 64);
        AssertClose(expectedQ, file.ReadFloat32("blk.1.attn_q.weight"), 1f / 127);
        AssertClose(expectedK, file.ReadFloat32("blk.1.attn_k.weight"), 1f / 127);
        AssertClose(original["model.layers.1.self_attn.v_proj.weight"], file.ReadFloat32("blk.1.attn_v.weight"), 1f / 127);
        AssertClose(original["model.layers.0.mlp.down_proj.weight"], file.ReadFloat32("blk.0.ffn_down.weight"), 1e-3f);

        void Expect(string key, string type, object value)
        {
            Assert.Equal(type, file[key].Describe());
            Assert.Equal(value, file[key].Value);
        }
        Expect("general.architecture", "STRING", "llama");
        Expect("general.name", "STRING", "tiny");
        Expect("general.file_type", "UINT32", 7u);
        Expect("general.quantization_version", "UINT32", 2u);
        Expect("llama.context_length", "UINT32", 128u);
        Expect("llama.embedding_length", "UINT32", 64u);
        Expect("llama.block_count", "UINT32", 2u);
        Expect("llama.feed_forward_length", "UINT32", 80u);
        Expect("llama.attention.head_count", "UINT32", 4u);
        Expect("llama.attention.head_count_kv", "UINT32", 2u);
        Expect("llama.attention.layer_norm_rms_epsilon", "FLOAT32", 1e-6f);
        Expect("llama.rope.freq_base", "FLOAT32", 500000f);
        Expect("llama.rope.dimension_count", "UINT32", 16u);
        Expect("llama.vocab_size", "UINT32", 40u);
        Assert.False(file.TryGetValue("llama.attention.key_length", out _)); // head_dim = hidden / heads
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.InRange(Math.Abs(expected[i] - actual[i]), 0, tolerance);
    }

    [Fact]
    public void Untied_f32_export_keeps_values_exactly_and_writes_output_weight()
    {
        using var dir = new TempDirectory();
        var config = Llama with { TieWordEmbeddings = false };
        var original = WriteCheckpoint(dir.File("model.safetensors"), config, 2);
        var file = Export(dir, config, GgufExportType.F32);
        Assert.Equal(original["lm_head.weight"], file.ReadFloat32("output.weight"));
        Assert.Equal(original["model.embed_tokens.weight"], file.ReadFloat32("token_embd.weight"));
        Assert.Equal(RopePermutation.RotateHalfToInterleaved(original["model.layers.0.self_attn.q_proj.weight"], 4, 64), file.ReadFloat32("blk.0.attn_q.weight"));
        Assert.All(file.Tensors, t => Assert.Equal(GgufTensorType.F32, t.Type));
        Assert.Equal(0u, file["general.file_type"].Value);
        Assert.False(file.TryGetValue("general.quantization_version", out _));
    }

    [Fact]
    public void Qwen3_export_keeps_rotate_half_order_and_adds_the_query_key_norms()
    {
        using var dir = new TempDirectory();
        var config = (Llama with { HeadDim = 32 }).WithQkNorm(); // head_dim ≠ hidden / heads: key_length is written
        var original = WriteCheckpoint(dir.File("model.safetensors"), config, 3);
        var file = Export(dir, config, GgufExportType.F16);
        Assert.Equal("qwen3", file["general.architecture"].Value);
        Assert.Equal(32u, file["qwen3.attention.key_length"].Value);
        Assert.Equal(32u, file["qwen3.rope.dimension_count"].Value);
        Assert.Equal(original["model.layers.0.self_attn.q_norm.weight"], file.ReadFloat32("blk.0.attn_q_norm.weight"));
        Assert.Equal(original["model.layers.1.self_attn.k_norm.weight"], file.ReadFloat32("blk.1.attn_k_norm.weight"));
        Assert.Equal(original["model.layers.0.self_attn.q_proj.weight"].Select(v => (float)(Half)v), file.ReadFloat32("blk.0.attn_q.weight"));
        Assert.Equal(GgufTensorType.F16, file.GetTensor("blk.0.ffn_down.weight").Type);
    }

    [Fact]
    public void Unsupported_models_and_mismatched_checkpoints_are_named()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        WriteCheckpoint(path, Llama, 4, "model.layers.0.extra.weight");
        var unexpected = Assert.Throws<SharpLMException>(() => ModelWeights.Open(Llama, path));
        Assert.Equal($"{path}: unexpected tensor 'model.layers.0.extra.weight' (not part of a llama model with this config.json).", unexpected.Message);
        var wrongShape = Assert.Throws<SharpLMException>(() => ModelWeights.Open(Llama with { IntermediateSize = 96 }, path));
        Assert.Contains("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [80, 64] but config.json implies [96, 64]", wrongShape.Message);

        var moe = Llama.WithExperts(4, 2);
        string moePath = dir.File("moe.safetensors");
        SafetensorsWriter.Write(moePath, ModelTensorTable.For(moe).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape, new float[t.Shape.Aggregate(1L, (a, b) => a * b)])));
        using var moeWeights = ModelWeights.Open(moe, moePath);
        Assert.Contains("supports model_type llama and qwen3; this model is 'mixtral'",
            Assert.Throws<SharpLMException>(() => LlamaGgufConverter.Convert(moeWeights, GgufExportType.F16, "m")).Message);
    }
}
