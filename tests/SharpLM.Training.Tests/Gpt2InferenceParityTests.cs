using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Gpt2;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

/// <summary>The pure C# engine's GPT-2 against the TorchSharp GPT2LMHeadModel on the same checkpoint.</summary>
public class Gpt2InferenceParityTests
{
    private const int Vocabulary = 320;
    private static readonly int[] Tokens = [5, 17, 300, 42, 42, 7, 0, 255, 128, 64, 3, 311];

    public static TheoryData<string> Variants => ["gelu_new", "gelu", "wide"];

    /// <summary>"wide" has a 1024-wide feed-forward, large enough that its products are split across threads.</summary>
    private static Gpt2Config ConfigFor(string variant)
    {
        var config = Gpt2Config.Create(vocabSize: Vocabulary, embedding: 64, layers: 2, heads: 4, positions: 32);
        return variant switch
        {
            "gelu" => config with { Activation = "gelu" },
            "wide" => config with { Inner = 1024 },
            _ => config,
        };
    }

    private static string SavedModel(Gpt2Config config, long seed)
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = new Gpt2LMHeadModel(config);
        model.InitializeWeights(seed);
        // GPT-2 starts with zero biases, unit gains and zero LayerNorm shifts; random ones make a mistake in applying them show.
        // Feed-forward weights are scaled up so GELU sees inputs of order 1, where its exact and tanh forms differ.
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using (no_grad())
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.Contains("ln_", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal))
                    parameter.copy_(rand(parameter.shape, generator: generator) + 0.5);
                else if (name.EndsWith(".bias", StringComparison.Ordinal))
                    parameter.copy_(randn(parameter.shape, generator: generator) * 0.1);
                else if (name.Contains(".mlp.", StringComparison.Ordinal))
                    parameter.mul_(12);
            }
        HfCheckpoint.Save(model, TinyCorpus.Tokenizer, directory);
        return directory;
    }

    private static float[,] TorchLogits(string directory)
    {
        using var reference = HfCheckpoint.Load(directory);
        using var noGrad = no_grad();
        var flat = reference.forward(tensor(Tokens.Select(t => (long)t).ToArray(), [1, Tokens.Length]))[0].data<float>().ToArray();
        var expected = new float[Tokens.Length, Vocabulary];
        for (int p = 0; p < Tokens.Length; p++) for (int v = 0; v < Vocabulary; v++) expected[p, v] = flat[p * Vocabulary + v];
        return expected;
    }

    private static void AssertMatches(float[,] expected, IDecoderSession session, string label)
    {
        for (int p = 0; p < Tokens.Length; p++)
        {
            var actual = session.Forward(Tokens[p]);
            float scale = 0;
            for (int v = 0; v < Vocabulary; v++) scale = Math.Max(scale, Math.Abs(expected[p, v]));
            for (int v = 0; v < Vocabulary; v++)
                Assert.True(Math.Abs(actual[v] - expected[p, v]) <= 1e-4f * Math.Max(1f, scale),
                    $"{label}, position {p}, token {v}: engine {actual[v]}, TorchSharp {expected[p, v]}");
        }
    }

    /// <summary>
    /// Token-by-token decoding with the KV cache gives, at every position, the logits the TorchSharp model computes
    /// over the whole sequence at once (1e-4 relative): parity and cache correctness in one check.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Cached_decoding_matches_the_torchsharp_model_at_every_position(string variant)
    {
        string directory = SavedModel(ConfigFor(variant), seed: 21);
        var expected = TorchLogits(directory);
        var weights = Gpt2Weights.Load(directory);
        foreach (int threads in new[] { 1, 2 })
            AssertMatches(expected, new Gpt2Session(weights, threads), $"{variant}, {threads} threads");
    }

    /// <summary>
    /// The original GPT-2 exports name tensors without "transformer." and carry attention-mask buffers; the engine
    /// reads them and computes what TorchSharp computes from the same file.
    /// </summary>
    [Fact]
    public void An_original_gpt2_export_without_the_transformer_prefix_loads_and_matches()
    {
        var config = ConfigFor("gelu_new");
        string directory = SavedModel(config, seed: 22);
        string weightsPath = Path.Combine(directory, "model.safetensors");
        var tensors = new List<SafetensorsTensor>();
        using (var reader = new SafetensorsReader(weightsPath))
            foreach (var info in reader.Tensors)
                tensors.Add(SafetensorsTensor.FromFloat32(info.Name["transformer.".Length..], info.Shape, reader.ReadFloat32(info.Name)));
        for (int layer = 0; layer < config.Layers; layer++)
        {
            tensors.Add(SafetensorsTensor.FromFloat32($"h.{layer}.attn.bias", [1, 1, config.Positions, config.Positions], new float[config.Positions * config.Positions]));
            tensors.Add(SafetensorsTensor.FromFloat32($"h.{layer}.attn.masked_bias", [], [-1e4f]));
        }
        SafetensorsWriter.Write(weightsPath, tensors);

        var expected = TorchLogits(directory);
        var model = EngineModel.Load(directory);
        Assert.IsType<Gpt2Config>(model.Config);
        AssertMatches(expected, model.NewSession(2), "prefix-less export");
    }

    [Fact]
    public void Greedy_generation_is_the_same_through_both_engines()
    {
        string directory = SavedModel(ConfigFor("gelu_new"), seed: 23);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 15, StopAtEndOfText = false };
        using var reference = HfCheckpoint.Load(directory);
        string torch = TorchGenerator.Generate(reference, TinyCorpus.Tokenizer, "Ahab watches", options);
        var source = new SessionLogitsSource(EngineModel.Load(directory).NewSession(2));
        string engine = TextGenerator.Generate(source, TinyCorpus.Tokenizer, "Ahab watches", options);
        Assert.Equal(torch, engine);
        Assert.NotEmpty(engine);
    }
}
