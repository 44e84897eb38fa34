using SharpLM.Core.Formats.Gguf;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Core.Tests;

public class LoraGgufConverterTests
{
    private static readonly LlamaConfig Llama = LlamaConfig.Create(vocabSize: 24, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: 2,
        intermediateSize: 40, maxPositions: 16);

    private static float[] RandomValues(Random random, long count) =>
        Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>A base model folder with random weights for every tensor the config implies.</summary>
    private static void WriteBase(string directory, LlamaConfig config)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(11);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), ModelTensorTable.For(config).Tensors
            .Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape, RandomValues(random, t.Shape.Aggregate(1L, (a, b) => a * b)))));
    }

    /// <summary>An adapter on q, k, v and down projections with nonzero A and B (a trained adapter, not PEFT's zero-B start).</summary>
    private static void WriteAdapter(string directory, LlamaConfig config, int rank, double alpha, bool rsLora, params string[] modules)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(5);
        var table = ModelTensorTable.For(config);
        var tensors = new List<SafetensorsTensor>();
        foreach (string module in modules)
        {
            var (rows, columns) = table[module + ".weight"].MatrixShape;
            tensors.Add(SafetensorsTensor.FromFloat32(PeftTensorNames.LoraA(module), [rank, columns], RandomValues(random, rank * columns)));
            tensors.Add(SafetensorsTensor.FromFloat32(PeftTensorNames.LoraB(module), [rows, rank], RandomValues(random, rows * rank)));
        }
        PeftAdapter.Write(directory, new PeftAdapterConfig
        {
            BaseModel = "base", Rank = rank, Alpha = alpha, UseRsLora = rsLora, TargetModules = ["q_proj", "k_proj", "v_proj", "down_proj"],
        }, tensors);
    }

    private static readonly string[] Modules =
        ["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.k_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.mlp.down_proj"];

    /// <summary>The float32 values of a model folder's GGUF tensors (as the model export writes them), by GGUF name.</summary>
    private static Dictionary<string, float[]> ModelGgufTensors(string directory)
    {
        var folder = ModelFolder.Open(directory);
        using var weights = folder.OpenWeights();
        return LlamaGgufConverter.Convert(weights, GgufExportType.F32, "m").Tensors
            .ToDictionary(p => p.Tensor.Name, p => GgufTensorData.Decode(p.Tensor.GetData().Span, GgufTensorType.F32, p.Tensor.ElementCount));
    }

    private static GgufFile WriteAdapterGguf(string adapterDirectory, LlamaConfig config, string path, GgufExportType type = GgufExportType.F32)
    {
        var adapter = PeftAdapter.Load(adapterDirectory, config);
        var conversion = LoraGgufConverter.Convert(adapter, config, type, adapterDirectory, "tiny-lora");
        GgufWriter.WriteFile(path, conversion.Metadata, conversion.Tensors.Select(p => p.Tensor).ToList());
        return GgufReader.Read(path);
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("llama", true)]
    [InlineData("qwen3", false)]
    public void Base_plus_lora_b_times_lora_a_times_alpha_over_r_equals_the_merged_model(string family, bool rsLora)
    {
        using var temp = new TempDirectory();
        var config = family == "qwen3" ? Llama.WithQkNorm() : Llama;
        string baseDir = temp.File("base"), adapterDir = temp.File("adapter"), mergedDir = temp.File("merged");
        const int rank = 4;
        const double alpha = 8;
        WriteBase(baseDir, config);
        WriteAdapter(adapterDir, config, rank, alpha, rsLora, Modules);
        LoraMergedFolder.Write(baseDir, adapterDir, mergedDir);
        var file = WriteAdapterGguf(adapterDir, config, temp.File("adapter.gguf"));

        // The keys llama-adapter.cpp reads, with their types.
        Assert.Equal(family, file["general.architecture"].As<string>());
        Assert.Equal("adapter", file["general.type"].As<string>());
        Assert.Equal("lora", file["adapter.type"].As<string>());
        float fileAlpha = file["adapter.lora.alpha"].As<float>();
        // llama.cpp scales by alpha / r, r = lora_b's ggml ne[0]: that must be PEFT's scaling (alpha / √r with rsLoRA).
        Assert.Equal(rsLora ? alpha / Math.Sqrt(rank) : alpha / rank, fileAlpha / rank, 1e-6);

        string[] expectedNames = ["blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.1.attn_k.weight", "blk.1.ffn_down.weight"];
        Assert.Equal(expectedNames.SelectMany(n => new[] { n + ".lora_a", n + ".lora_b" }), file.Tensors.Select(t => t.Name));

        var baseTensors = ModelGgufTensors(baseDir);
        var mergedTensors = ModelGgufTensors(mergedDir);
        foreach (string name in expectedNames)
        {
            var a = file.GetTensor(name + ".lora_a");
            var b = file.GetTensor(name + ".lora_b");
            Assert.Equal(GgufTensorType.F32, a.Type);
            // ggml order: base {in, out}; lora_a {in, r}; lora_b {r, out} — the shape checks of llama-adapter.cpp.
            var (rows, columns) = (mergedTensors[name].Length / Columns(config, name), Columns(config, name));
            Assert.Equal(new long[] { columns, rank }, a.Dimensions);
            Assert.Equal(new long[] { rank, rows }, b.Dimensions);

            float[] applied = (float[])baseTensors[name].Clone();
            LoraMerge.Apply(applied, rows, columns, file.ReadFloat32(a.Name), file.ReadFloat32(b.Name), rank, fileAlpha / rank);
            float[] merged = mergedTensors[name];
            Assert.All(Enumerable.Range(0, merged.Length), i => Assert.True(Math.Abs(applied[i] - merged[i]) <= 1e-6, $"{name}[{i}]: {applied[i]} vs {merged[i]}"));
            Assert.NotEqual(baseTensors[name], merged); // the adapter changed the matrix, so the comparison is not vacuous
        }
        // Matrices the adapter does not touch are the same in both model exports and absent from the adapter.
        Assert.Equal(baseTensors["blk.0.attn_k.weight"], mergedTensors["blk.0.attn_k.weight"]);
    }

    private static int Columns(LlamaConfig config, string ggufName) =>
        ModelTensorTable.For(config).Tensors.Single(t => t.GgufName == ggufName).MatrixShape.Columns;

    [Fact]
    public void Without_the_permutation_of_lora_b_the_llama_query_delta_would_not_match()
    {
        // Control for the test above: llama's attn_q rows are permuted in the base GGUF, so B must be permuted too.
        using var temp = new TempDirectory();
        WriteBase(temp.File("base"), Llama);
        WriteAdapter(temp.File("adapter"), Llama, 4, 8, false, Modules[0]);
        var adapter = PeftAdapter.Load(temp.File("adapter"), Llama);
        var file = WriteAdapterGguf(temp.File("adapter"), Llama, temp.File("a.gguf"));
        Assert.NotEqual(adapter.Modules[0].B, file.ReadFloat32("blk.0.attn_q.weight.lora_b"));
        Assert.Equal(RopePermutation.RotateHalfToInterleaved(adapter.Modules[0].B, 4, 4), file.ReadFloat32("blk.0.attn_q.weight.lora_b"));
        Assert.Equal(adapter.Modules[0].A, file.ReadFloat32("blk.0.attn_q.weight.lora_a"));
    }

    [Fact]
    public void F16_stores_both_factors_as_f16_and_q8_0_is_refused_with_one_line()
    {
        using var temp = new TempDirectory();
        WriteAdapter(temp.File("adapter"), Llama, 4, 8, false, Modules);
        var file = WriteAdapterGguf(temp.File("adapter"), Llama, temp.File("a.gguf"), GgufExportType.F16);
        Assert.All(file.Tensors, t => Assert.Equal(GgufTensorType.F16, t.Type));
        Assert.Equal(1u, file["general.file_type"].As<uint>());
        var error = Assert.Throws<SharpLMException>(() => WriteAdapterGguf(temp.File("adapter"), Llama, temp.File("b.gguf"), GgufExportType.Q8_0));
        Assert.StartsWith("--type q8_0 does not apply to a LoRA adapter", error.Message);
    }

    [Fact]
    public void An_adapter_on_the_embeddings_is_refused_by_name()
    {
        using var temp = new TempDirectory();
        var untied = Llama with { TieWordEmbeddings = false };
        Directory.CreateDirectory(temp.File("adapter"));
        PeftAdapter.Write(temp.File("adapter"), new PeftAdapterConfig { BaseModel = "b", Rank = 2, Alpha = 4, TargetModules = ["lm_head"] },
        [
            SafetensorsTensor.FromFloat32("base_model.model.lm_head.lora_A.weight", [2, 32], new float[64]),
            SafetensorsTensor.FromFloat32("base_model.model.lm_head.lora_B.weight", [24, 2], new float[48]),
        ]);
        var adapter = PeftAdapter.Load(temp.File("adapter"), untied);
        var error = Assert.Throws<SharpLMException>(() => LoraGgufConverter.Convert(adapter, untied, GgufExportType.F32, temp.File("adapter"), "x"));
        Assert.Equal($"{temp.File("adapter")}: the adapter changes 'lm_head.weight'; llama.cpp adapters hold only the projections inside the blocks, not embeddings or the output head.",
            error.Message);
    }
}
