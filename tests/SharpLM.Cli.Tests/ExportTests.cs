using System.Text.Json;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm export --format gguf` on a small random model with a trained tokenizer, read back with the GGUF reader.</summary>
public class ExportTests
{
    /// <summary>A Hugging Face model folder: config.json, random model.safetensors and a tokenizer trained by the CLI.</summary>
    private static readonly Lazy<string> ModelFolder = new(() =>
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(dir, "docs.jsonl");
        var random = new Random(17);
        string[] words = ["river", "stone", "bridge", "lantern", "harbour", "tide", "rope", "anchor"];
        File.WriteAllLines(documents, Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new
        {
            id = $"d{i}", text = string.Join(" ", Enumerable.Range(0, 30).Select(_ => words[random.Next(words.Length)])) + ".",
            source = "generated", license = "CC0-1.0",
        })));
        string model = Path.Combine(dir, "tiny-model");
        Directory.CreateDirectory(model);
        var trained = CliProcess.Run("tokenizer", "train", "--in", documents, "--out", Path.Combine(model, "tokenizer.json"), "--vocab-size", "288");
        Assert.True(trained.ExitCode == 0, trained.Error);

        var config = LlamaConfig.Create(vocabSize: 288, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 96, maxPositions: 64);
        config.Save(Path.Combine(model, "config.json"));
        var tensors = new List<SafetensorsTensor>();
        void Add(string name, params long[] shape) => tensors.Add(SafetensorsTensor.FromFloat32(name, shape,
            Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5) * (shape.Length == 1 ? 0.2f : 1f) + (shape.Length == 1 ? 1f : 0f)).ToArray()));
        Add("model.embed_tokens.weight", 288, 64);
        for (int i = 0; i < 2; i++)
        {
            string p = $"model.layers.{i}.";
            Add(p + "input_layernorm.weight", 64);
            Add(p + "self_attn.q_proj.weight", 64, 64);
            Add(p + "self_attn.k_proj.weight", 32, 64);
            Add(p + "self_attn.v_proj.weight", 32, 64);
            Add(p + "self_attn.o_proj.weight", 64, 64);
            Add(p + "post_attention_layernorm.weight", 64);
            Add(p + "mlp.gate_proj.weight", 96, 64);
            Add(p + "mlp.up_proj.weight", 96, 64);
            Add(p + "mlp.down_proj.weight", 64, 96);
        }
        Add("model.norm.weight", 64);
        SafetensorsWriter.Write(Path.Combine(model, "model.safetensors"), tensors);
        return model;
    });

    [Fact]
    public void Export_writes_a_gguf_file_the_reader_validates_and_prints_a_summary()
    {
        string output = Path.Combine(CliProcess.TempDirectory(), "tiny.q8_0.gguf");
        var result = CliProcess.Run("export", "--format", "gguf", "--model", ModelFolder.Value, "--out", output, "--type", "q8_0");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Q8_0", result.Output);
        Assert.Contains("total", result.Output);
        Assert.Contains("architecture llama", result.Output);
        Assert.Contains("pre-tokenizer 'gpt-2'", result.Output);

        var file = GgufReader.Read(output);
        Assert.Equal("tiny-model", file["general.name"].Value);
        Assert.Equal(2u, file["llama.block_count"].Value);
        Assert.Equal(288, file["tokenizer.ggml.tokens"].As<string[]>().Length);
        Assert.Equal(20, file.Tensors.Count); // embeddings, 9 per layer, final norm; output.weight tied
        Assert.Equal(GgufTensorType.Q8_0, file.GetTensor("blk.1.ffn_down.weight").Type);
        Assert.Equal(GgufTensorType.F32, file.GetTensor("blk.1.ffn_norm.weight").Type);
        Assert.Equal(new FileInfo(output).Length.ToString("N0"), result.Output.Split(": ")[^1].Split(' ')[0]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp")); // written atomically, nothing left behind

        var inspected = CliProcess.Run("inspect", output);
        Assert.True(inspected.ExitCode == 0, inspected.Error);
        Assert.Contains("GGUF version 3, alignment 32", inspected.Output);
        Assert.Matches(@"tokenizer\.ggml\.tokens\s+│ ARRAY\[STRING\]", inspected.Output);
        Assert.Matches(@"blk\.1\.ffn_down\.weight\s+│ Q8_0 │ \{96, 64\}", inspected.Output);
        string config = Path.Combine(ModelFolder.Value, "config.json");
        var notGguf = CliProcess.Run("inspect", config);
        Assert.Equal(2, notGguf.ExitCode);
        Assert.StartsWith($"sharplm: error: {config}: not a valid GGUF file: at byte 0, the header: the file starts with", notGguf.Error.Trim());
    }

    [Fact]
    public void Export_types_keep_f32_exact_and_f16_close()
    {
        string dir = CliProcess.TempDirectory();
        using var weights = new SafetensorsReader(Path.Combine(ModelFolder.Value, "model.safetensors"));
        float[] embeddings = weights.ReadFloat32("model.embed_tokens.weight");
        foreach (string type in new[] { "f32", "f16" })
        {
            string output = Path.Combine(dir, $"m.{type}.gguf");
            var result = CliProcess.Run("export", "--format", "gguf", "--model", ModelFolder.Value, "--out", output, "--type", type);
            Assert.True(result.ExitCode == 0, result.Error);
            float[] read = GgufReader.Read(output).ReadFloat32("token_embd.weight");
            Assert.Equal(type == "f32" ? embeddings : embeddings.Select(v => (float)(Half)v).ToArray(), read);
        }
    }

    [Fact]
    public void Safetensors_export_copies_the_folder_in_the_asked_precision_and_the_engine_loads_it()
    {
        string output = Path.Combine(CliProcess.TempDirectory(), "tiny-bf16");
        var result = CliProcess.Run("export", "--format", "safetensors", "--model", ModelFolder.Value, "--out", output, "--type", "bf16");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("BF16", result.Output);

        Assert.Equal(File.ReadAllText(Path.Combine(ModelFolder.Value, "tokenizer.json")), File.ReadAllText(Path.Combine(output, "tokenizer.json")));
        Assert.Equal("bfloat16", JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json"))).RootElement.GetProperty("torch_dtype").GetString());
        using (var original = new SafetensorsReader(Path.Combine(ModelFolder.Value, "model.safetensors")))
        using (var exported = new SafetensorsReader(Path.Combine(output, "model.safetensors")))
        {
            Assert.Equal(original.Tensors.Select(t => t.Name).Order(), exported.Tensors.Select(t => t.Name).Order());
            Assert.All(exported.Tensors, t => Assert.Equal(SafetensorsDType.BF16, t.DType));
            float[] before = original.ReadFloat32("model.layers.0.mlp.up_proj.weight"), after = exported.ReadFloat32("model.layers.0.mlp.up_proj.weight");
            for (int i = 0; i < before.Length; i++) Assert.InRange(Math.Abs(before[i] - after[i]), 0, Math.Abs(before[i]) / 128);
        }

        var generated = CliProcess.Run("generate", "--model", output, "--prompt", "river", "--max-tokens", "4", "--temperature", "0");
        Assert.True(generated.ExitCode == 0, generated.Error);
        Assert.StartsWith("river", generated.Output);

        var wrongType = CliProcess.Run("export", "--format", "safetensors", "--model", ModelFolder.Value, "--out", output, "--type", "q8_0");
        Assert.Equal("sharplm: error: --type 'q8_0' is not one of f32, f16, bf16 for --format safetensors.", wrongType.Error.Trim());
    }

    [Fact]
    public void Bad_export_arguments_are_one_line_errors()
    {
        string output = Path.Combine(CliProcess.TempDirectory(), "m.gguf");
        var missing = CliProcess.Run("export", "--format", "gguf", "--model", "/no/such/model", "--out", output);
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("sharplm: error: /no/such/model", missing.Error.Trim());

        var badType = CliProcess.Run("export", "--format", "gguf", "--model", ModelFolder.Value, "--out", output, "--type", "q4");
        Assert.Equal(2, badType.ExitCode);
        Assert.Equal("sharplm: error: --type 'q4' is not one of f32, f16, q8_0.", badType.Error.Trim());

        var badExtension = CliProcess.Run("export", "--format", "gguf", "--model", ModelFolder.Value, "--out", Path.ChangeExtension(output, ".bin"));
        Assert.Equal(2, badExtension.ExitCode);
        Assert.Contains("must end in .gguf", badExtension.Error);
        Assert.False(File.Exists(output));

        var help = CliProcess.Run("export", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--type", help.Output);
    }
}
