using SharpLM.Core.Formats.Gguf;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm export --format gguf --lora`: a PEFT adapter folder as a llama.cpp adapter GGUF, checked against `export --merge-lora`.</summary>
public class LoraGgufExportTests
{
    private static readonly string[] Modules = ["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.k_proj", "model.layers.1.mlp.up_proj"];

    /// <summary>A PEFT adapter folder with nonzero factors for the tiny model's matrices (rank 4, alpha 8).</summary>
    private static string WriteAdapter(string root)
    {
        string directory = Path.Combine(root, "adapter");
        Directory.CreateDirectory(directory);
        var random = new Random(21);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var table = Core.Models.Folder.ModelTensorTable.For(TinyModelFolder.Config);
        var tensors = new List<SafetensorsTensor>();
        foreach (string module in Modules)
        {
            var (rows, columns) = table[module + ".weight"].MatrixShape;
            tensors.Add(SafetensorsTensor.FromFloat32(PeftTensorNames.LoraA(module), [4, columns], Values(4 * columns)));
            tensors.Add(SafetensorsTensor.FromFloat32(PeftTensorNames.LoraB(module), [rows, 4], Values(rows * 4)));
        }
        PeftAdapter.Write(directory, new PeftAdapterConfig { BaseModel = "model", Rank = 4, Alpha = 8, TargetModules = ["q_proj", "k_proj", "up_proj"] }, tensors);
        return directory;
    }

    [Fact]
    public void The_adapter_gguf_applied_to_the_base_gguf_equals_the_merged_models_gguf()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), adapter = WriteAdapter(root);
        string adapterGguf = Path.Combine(root, "adapter.gguf"), baseGguf = Path.Combine(root, "base.gguf"), mergedGguf = Path.Combine(root, "merged.gguf");

        var export = CliProcess.Run("export", "--format", "gguf", "--model", model, "--lora", adapter, "--out", adapterGguf);
        Assert.True(export.ExitCode == 0, export.Error + export.Output);
        Assert.Contains("blk.0.attn_q.weight.lora_b", export.Output);
        var merge = CliProcess.Run("export", "--model", model, "--merge-lora", adapter, "--out", Path.Combine(root, "merged"));
        Assert.True(merge.ExitCode == 0, merge.Error);
        foreach (var (folder, path) in new[] { (model, baseGguf), (Path.Combine(root, "merged"), mergedGguf) })
        {
            var result = CliProcess.Run("export", "--format", "gguf", "--type", "f32", "--model", folder, "--out", path);
            Assert.True(result.ExitCode == 0, result.Error);
        }

        var file = GgufReader.Read(adapterGguf);
        Assert.Equal("adapter", file["general.type"].As<string>());
        Assert.Equal("llama", file["general.architecture"].As<string>());
        Assert.Equal("lora", file["adapter.type"].As<string>());
        Assert.Equal(8f, file["adapter.lora.alpha"].As<float>());
        Assert.Equal(["blk.0.attn_q.weight.lora_a", "blk.0.attn_q.weight.lora_b", "blk.1.attn_k.weight.lora_a", "blk.1.attn_k.weight.lora_b",
            "blk.1.ffn_up.weight.lora_a", "blk.1.ffn_up.weight.lora_b"], file.Tensors.Select(t => t.Name));

        GgufFile basis = GgufReader.Read(baseGguf), merged = GgufReader.Read(mergedGguf);
        foreach (string name in new[] { "blk.0.attn_q.weight", "blk.1.attn_k.weight", "blk.1.ffn_up.weight" })
        {
            var baseInfo = basis.GetTensor(name);
            var (a, b) = (file.GetTensor(name + ".lora_a"), file.GetTensor(name + ".lora_b"));
            // llama-adapter.cpp's shape checks: base {in, out}, lora_a {in, r}, lora_b {r, out}.
            Assert.Equal(baseInfo.Dimensions[0], a.Dimensions[0]);
            Assert.Equal(baseInfo.Dimensions[1], b.Dimensions[1]);
            Assert.Equal(a.Dimensions[1], b.Dimensions[0]);
            int rows = (int)baseInfo.Dimensions[1], columns = (int)baseInfo.Dimensions[0], rank = (int)b.Dimensions[0];
            float[] applied = basis.ReadFloat32(name);
            LoraMerge.Apply(applied, rows, columns, file.ReadFloat32(a.Name), file.ReadFloat32(b.Name), rank, file["adapter.lora.alpha"].As<float>() / rank);
            float[] expected = merged.ReadFloat32(name);
            Assert.All(Enumerable.Range(0, expected.Length), i => Assert.True(Math.Abs(applied[i] - expected[i]) <= 1e-6, $"{name}[{i}]"));
            Assert.NotEqual(basis.ReadFloat32(name), expected);
        }
    }

    [Fact]
    public void Lora_with_a_safetensors_format_is_one_clear_error()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), adapter = WriteAdapter(root);
        var result = CliProcess.Run("export", "--model", model, "--lora", adapter, "--out", Path.Combine(root, "out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("sharplm: error: --lora writes a llama.cpp adapter GGUF: use it with --format gguf and without --merge-lora, --quantize or --validation.",
            result.Error.Trim());
    }

    [Fact]
    public void An_adapter_for_another_base_names_the_tensor_and_shapes()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), adapter = Path.Combine(root, "adapter");
        Directory.CreateDirectory(adapter);
        PeftAdapter.Write(adapter, new PeftAdapterConfig { BaseModel = "other", Rank = 2, Alpha = 4, TargetModules = ["q_proj"] },
        [
            SafetensorsTensor.FromFloat32(PeftTensorNames.LoraA("model.layers.0.self_attn.q_proj"), [2, 32], new float[64]),
            SafetensorsTensor.FromFloat32(PeftTensorNames.LoraB("model.layers.0.self_attn.q_proj"), [64, 2], new float[128]),
        ]);
        var result = CliProcess.Run("export", "--format", "gguf", "--model", model, "--lora", adapter, "--out", Path.Combine(root, "a.gguf"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [2, 32]; r = 2 and the base matrix imply [2, 64].", result.Error);
        Assert.False(File.Exists(Path.Combine(root, "a.gguf")));
    }
}
