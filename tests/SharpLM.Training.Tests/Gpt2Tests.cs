using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Models;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class Gpt2Tests
{
    private static Gpt2LMHeadModel Model(long seed = 3)
    {
        var model = new Gpt2LMHeadModel(Gpt2Config.Create(vocabSize: 50, embedding: 32, layers: 2, heads: 4, positions: 16));
        model.InitializeWeights(seed);
        return model;
    }

    [Fact]
    public void Parameter_names_and_count_are_those_of_GPT2LMHeadModel()
    {
        using var model = Model();
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(
        [
            "transformer.wte.weight", "transformer.wpe.weight",
            "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
            "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias", "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
            "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias", "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
        ], names.Take(14));
        Assert.Equal(new[] { "transformer.ln_f.weight", "transformer.ln_f.bias" }, names.TakeLast(2));
        Assert.Equal(model.Config.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Attention_is_causal()
    {
        using var model = Model();
        model.eval();
        using var noGrad = no_grad();
        var a = model.forward(tensor(new long[] { 1, 2, 3, 4 }, [1, 4]));
        var b = model.forward(tensor(new long[] { 1, 2, 3, 40 }, [1, 4]));
        Assert.True(allclose(a.narrow(1, 0, 3), b.narrow(1, 0, 3), rtol: 1e-5, atol: 1e-6));
        Assert.False(allclose(a.narrow(1, 3, 1), b.narrow(1, 3, 1)));
    }

    [Fact]
    public void Hugging_Face_round_trip_stores_Conv1D_weights_transposed_and_reloads_identical_logits()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = Model();
        HfCheckpoint.Save(model, TinyCorpus.Tokenizer, directory);
        string config = File.ReadAllText(Path.Combine(directory, "config.json"));
        Assert.Contains("\"GPT2LMHeadModel\"", config);
        Assert.Contains("\"n_embd\": 32", config);
        using (var reader = new SafetensorsReader(Path.Combine(directory, "model.safetensors")))
        {
            Assert.Equal(new long[] { 32, 96 }, reader.GetInfo("transformer.h.0.attn.c_attn.weight").Shape);   // Conv1D: [in, out]
            Assert.Equal(new long[] { 32, 128 }, reader.GetInfo("transformer.h.1.mlp.c_fc.weight").Shape);
            Assert.Equal(new long[] { 128, 32 }, reader.GetInfo("transformer.h.1.mlp.c_proj.weight").Shape);
            Assert.False(reader.Contains("lm_head.weight"));
        }
        using var loaded = HfCheckpoint.Load(directory);
        Assert.IsType<Gpt2LMHeadModel>(loaded);
        using var noGrad = no_grad();
        model.eval();
        var tokens = tensor(new long[] { 5, 6, 7, 8, 9 }, [1, 5]);
        Assert.True(allclose(model.forward(tokens), loaded.forward(tokens), rtol: 0, atol: 0));
    }

    /// <summary>The original GPT-2 exports name tensors without "transformer." and carry attention-mask buffers.</summary>
    [Fact]
    public void Loads_original_gpt2_exports_without_the_transformer_prefix()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = Model(seed: 8);
        HfCheckpoint.Save(model, TinyCorpus.Tokenizer, directory);
        string weights = Path.Combine(directory, "model.safetensors");
        var tensors = HfCheckpoint.ExportTensors(model).Select(t => t with { Name = t.Name["transformer.".Length..] }).ToList();
        tensors.Add(new SafetensorsTensor("h.0.attn.bias", SafetensorsDType.F32, [1, 1, 16, 16], new byte[16 * 16 * 4]));
        SafetensorsWriter.Write(weights, tensors);
        using var loaded = HfCheckpoint.Load(directory);
        Assert.True(allclose(model.parameters().First(), loaded.parameters().First(), rtol: 0, atol: 0));
    }

    [Fact]
    public void A_gpt2_model_trains_from_a_pretrain_config()
    {
        var config = TinyCorpus.Config(steps: 40);
        config = config with { Model = config.Model with { Architecture = "gpt2", KeyValueHeads = null } };
        using var model = CausalLanguageModel.Create(config.Model.ToConfig(TinyCorpus.Tokenizer.VocabularySize, TinyCorpus.Tokenizer.EndOfTextId, "test"));
        Assert.IsType<Gpt2LMHeadModel>(model);
        model.InitializeWeights(1);
        using var train = new TokenShardReader(TinyCorpus.TrainShard);
        var losses = new List<double>();
        new Pretrainer(model, config).Run(train, null, onStep: r => losses.Add(r.Loss));
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average() - 1, $"loss {losses.First()} → {losses.Last()}");
        // Embedding tables are not decayed; GPT-2's Linear weights are.
        Assert.False(Pretrainer.DecaysWeight(model, "transformer.wpe.weight", model.named_parameters().Single(p => p.name == "transformer.wpe.weight").parameter));
        Assert.True(Pretrainer.DecaysWeight(model, "transformer.h.0.attn.c_attn.weight", model.named_parameters().Single(p => p.name == "transformer.h.0.attn.c_attn.weight").parameter));
    }

    [Fact]
    public void Llama_only_settings_on_a_gpt2_config_are_refused()
    {
        var shape = new ModelShape { Architecture = "gpt2", QkNorm = true };
        Assert.Contains("GPT-2 models have no", Assert.Throws<SharpLMException>(() => shape.ToConfig(100, null, "c.json")).Message);
        Assert.Contains("'model.architecture' is 'rwkv'", Assert.Throws<SharpLMException>(() => (shape with { Architecture = "rwkv", QkNorm = false }).ToConfig(100, null, "c.json")).Message);
    }
}
