using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Checkpoints;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

public class CheckpointTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(["a tiny corpus for a tiny tokenizer"], new BpeTrainerOptions { VocabularySize = 260 });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Saved_folder_reloads_to_identical_logits(bool tie)
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = Tiny.Model(keyValueHeads: 2, tie: tie);
        HfCheckpoint.Save(model, Tokenizer, directory);
        Assert.Equal(new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" },
            Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using (var reader = new SafetensorsReader(Path.Combine(directory, "model.safetensors")))
        {
            Assert.Equal(tie, !reader.Contains("lm_head.weight"));
            Assert.Equal(new long[] { 16, 32 }, reader.GetInfo("model.layers.1.self_attn.k_proj.weight").Shape);
            Assert.Equal("pt", reader.Metadata["format"]);
        }

        using var loaded = HfCheckpoint.Load(directory);
        using var noGrad = no_grad();
        model.eval();
        var tokens = tensor(new long[] { 1, 2, 3, 4 }, [1, 4]);
        Assert.True(allclose(model.forward(tokens), loaded.forward(tokens), rtol: 0, atol: 0));
    }

    [Fact]
    public void Saving_over_an_existing_checkpoint_replaces_it_whole()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var first = Tiny.Model(seed: 1);
        using var second = Tiny.Model(seed: 2);
        HfCheckpoint.Save(first, Tokenizer, directory);
        HfCheckpoint.Save(second, Tokenizer, directory);
        using var loaded = HfCheckpoint.Load(directory);
        Assert.True(allclose(second.parameters().First(), loaded.parameters().First(), rtol: 0, atol: 0));
        Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(directory)!)); // no staging or old folders left
    }

    [Fact]
    public void A_truncated_weights_file_is_reported_with_its_path()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = Tiny.Model();
        HfCheckpoint.Save(model, Tokenizer, directory);
        string weights = Path.Combine(directory, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..^100]);
        var error = Assert.Throws<SharpLMException>(() => HfCheckpoint.Load(directory));
        Assert.StartsWith(weights + ": not a valid safetensors file", error.Message);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_config_are_reported_by_tensor_name()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = Tiny.Model();
        HfCheckpoint.Save(model, Tokenizer, directory);
        string weights = Path.Combine(directory, "model.safetensors");
        var tensors = HfCheckpoint.ExportTensors(model).Where(t => t.Name != "model.norm.weight").ToList();
        SafetensorsWriter.Write(weights, tensors);
        var missing = Assert.Throws<SharpLMException>(() => HfCheckpoint.Load(directory));
        Assert.Equal($"{weights}: tensor 'model.norm.weight' is missing.", missing.Message);

        tensors.Add(SafetensorsTensor.FromFloat32("model.norm.weight", [31], new float[31]));
        SafetensorsWriter.Write(weights, tensors);
        var wrongShape = Assert.Throws<SharpLMException>(() => HfCheckpoint.Load(directory));
        Assert.Contains("tensor 'model.norm.weight' has shape [31] but config.json implies [32]", wrongShape.Message);
    }
}
