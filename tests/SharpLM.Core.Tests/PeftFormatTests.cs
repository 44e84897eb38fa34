using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

namespace SharpLM.Core.Tests;

public class PeftFormatTests
{
    [Fact]
    public void Tensor_names_are_peft_names()
    {
        // From PEFT's documentation of a saved Llama adapter (the adapter name "default" removed on save).
        Assert.Equal("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", PeftTensorNames.LoraA("model.layers.0.self_attn.q_proj"));
        Assert.Equal("base_model.model.model.layers.11.mlp.down_proj.lora_B.weight", PeftTensorNames.LoraB("model.layers.11.mlp.down_proj"));
        Assert.Equal("model.layers.0.self_attn.q_proj", PeftTensorNames.ModuleOfLoraA("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
        Assert.Null(PeftTensorNames.ModuleOfLoraA("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
        Assert.Equal("adapter_model.safetensors", PeftTensorNames.WeightsFile);
        Assert.Equal("adapter_config.json", PeftAdapterConfig.FileName);
    }

    [Fact]
    public void The_config_carries_pefts_keys_and_reads_back()
    {
        using var temp = new TempDirectory();
        var config = new PeftAdapterConfig { BaseModel = "base", Rank = 16, Alpha = 32, TargetModules = ["q_proj", "v_proj"], Dropout = 0.05, UseRsLora = true };
        config.Save(temp.Path);
        var json = JsonNode.Parse(File.ReadAllText(temp.File("adapter_config.json")))!.AsObject();
        // The keys every PEFT LoRA config holds (peft/tuners/lora/config.py), and what llama.cpp's converter reads.
        foreach (string key in new[] { "peft_type", "task_type", "base_model_name_or_path", "r", "lora_alpha", "lora_dropout", "target_modules", "bias",
                     "fan_in_fan_out", "use_rslora", "use_dora", "modules_to_save", "init_lora_weights", "rank_pattern", "alpha_pattern", "inference_mode" })
            Assert.True(json.ContainsKey(key), key);
        Assert.Equal("LORA", json["peft_type"]!.GetValue<string>());
        Assert.Equal("CAUSAL_LM", json["task_type"]!.GetValue<string>());
        Assert.Equal(16, json["r"]!.GetValue<int>());
        Assert.Equal(["q_proj", "v_proj"], json["target_modules"]!.AsArray().Select(n => n!.GetValue<string>()));
        var back = PeftAdapterConfig.Load(temp.Path);
        Assert.Equal(config.Rank, back.Rank);
        Assert.Equal(config.TargetModules, back.TargetModules);
        Assert.Equal(32 / 4.0, back.Scaling); // rsLoRA: alpha / √r
        Assert.Equal(2.0, (back with { UseRsLora = false }).Scaling); // LoRA: alpha / r
    }

    [Theory]
    [InlineData("peft_type", "\"PREFIX_TUNING\"", "field 'peft_type' is 'PREFIX_TUNING'")]
    [InlineData("r", "\"eight\"", "field 'r' has the wrong type")]
    [InlineData("use_dora", "true", "field 'use_dora' is true")]
    [InlineData("fan_in_fan_out", "true", "field 'fan_in_fan_out' is true")]
    public void Unsupported_configs_name_the_field(string field, string value, string expected)
    {
        using var temp = new TempDirectory();
        new PeftAdapterConfig { BaseModel = "b", Rank = 8, Alpha = 8, TargetModules = ["q_proj"] }.Save(temp.Path);
        var json = JsonNode.Parse(File.ReadAllText(temp.File("adapter_config.json")))!;
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(temp.File("adapter_config.json"), json.ToJsonString());
        var error = Assert.Throws<SharpLMException>(() => PeftAdapterConfig.Load(temp.Path));
        Assert.Equal($"{temp.File("adapter_config.json")}: {expected}", error.Message[..(temp.File("adapter_config.json").Length + 2 + expected.Length)]);
    }

    [Fact]
    public void Merging_then_unmerging_returns_the_weights_within_1e_6()
    {
        var random = new Random(3);
        int rows = 24, columns = 40, rank = 6;
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] weight = Random(rows * columns), a = Random(rank * columns), b = Random(rows * rank);
        float[] original = (float[])weight.Clone();
        LoraMerge.Apply(weight, rows, columns, a, b, rank, scaling: 2.0);
        // Hand check of one element: W[o,i] + scaling · Σk B[o,k]·A[k,i].
        double expected = original[5 * columns + 7] + 2.0 * Enumerable.Range(0, rank).Sum(k => (double)b[5 * rank + k] * a[k * columns + 7]);
        Assert.Equal(expected, weight[5 * columns + 7], 1e-5);
        LoraMerge.Apply(weight, rows, columns, a, b, rank, scaling: 2.0, sign: -1);
        Assert.All(Enumerable.Range(0, weight.Length), i => Assert.True(Math.Abs(weight[i] - original[i]) <= 1e-6, $"element {i}"));
    }

    [Fact]
    public void An_adapter_naming_a_tensor_the_model_lacks_is_refused()
    {
        using var temp = new TempDirectory();
        var config = LlamaConfig.Create(vocabSize: 16, hiddenSize: 8, layers: 1, heads: 2, keyValueHeads: 2, intermediateSize: 12, maxPositions: 8, tieEmbeddings: true);
        PeftAdapter.Write(temp.Path, new PeftAdapterConfig { BaseModel = "b", Rank = 2, Alpha = 4, TargetModules = ["q_proj"] },
        [
            SafetensorsTensor.FromFloat32(PeftTensorNames.LoraA("model.layers.3.self_attn.q_proj"), [2, 8], new float[16]),
            SafetensorsTensor.FromFloat32(PeftTensorNames.LoraB("model.layers.3.self_attn.q_proj"), [8, 2], new float[16]),
        ]);
        var error = Assert.Throws<SharpLMException>(() => PeftAdapter.Load(temp.Path, config));
        Assert.Equal($"{temp.File("adapter_model.safetensors")}: tensor 'base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight' adapts " +
                     "'model.layers.3.self_attn.q_proj.weight', which is not a matrix of this llama model.", error.Message);
    }
}
