using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Tests;

/// <summary>The pure C# engine against the TorchSharp model on the same checkpoint.</summary>
public class InferenceParityTests
{
    private static string SavedModel(LlamaConfig config, long seed)
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory().FullName, "model");
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(seed);
        // Non-trivial norm gains, so a mistake in applying them shows.
        using (no_grad())
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.EndsWith("norm.weight")))
                parameter.copy_(rand(parameter.shape) + 0.5);
        HfCheckpoint.Save(model, TinyCorpus.Tokenizer, directory);
        return directory;
    }

    public static TheoryData<string> Variants => ["llama", "gqa", "qwen3", "untied", "mixtral"];

    private static LlamaConfig ConfigFor(string variant)
    {
        var config = LlamaConfig.Create(vocabSize: 320, hiddenSize: 48, layers: 2, heads: 4, keyValueHeads: variant == "gqa" ? 2 : 4,
            intermediateSize: 96, maxPositions: 32, tieEmbeddings: variant != "untied");
        return variant switch
        {
            "qwen3" => config.WithQkNorm(),
            "mixtral" => config.WithExperts(4, 2),
            _ => config,
        };
    }

    /// <summary>
    /// Token-by-token decoding with the KV cache gives, at every position, the logits the TorchSharp model computes
    /// over the whole sequence at once (1e-4 relative): parity and cache correctness in one check. Feeding the
    /// sequence as blocks (a 5-token prompt, then the rest) must agree too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Cached_decoding_matches_the_torchsharp_model_at_every_position(string variant)
    {
        string directory = SavedModel(ConfigFor(variant), seed: 11);
        int[] tokens = [5, 17, 300, 42, 42, 7, 0, 255, 128, 64, 3, 311];
        using var reference = HfCheckpoint.Load(directory);
        float[,] expected;
        using (no_grad())
        {
            var logits = reference.forward(tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length]))[0];
            expected = new float[tokens.Length, 320];
            var flat = logits.data<float>().ToArray();
            for (int p = 0; p < tokens.Length; p++) for (int v = 0; v < 320; v++) expected[p, v] = flat[p * 320 + v];
        }

        void Check(ReadOnlySpan<float> actual, int p, string how)
        {
            float scale = 0;
            for (int v = 0; v < 320; v++) scale = Math.Max(scale, Math.Abs(expected[p, v]));
            for (int v = 0; v < 320; v++)
                Assert.True(Math.Abs(actual[v] - expected[p, v]) <= 1e-4f * Math.Max(1f, scale),
                    $"{variant}, {how}, position {p}, token {v}: engine {actual[v]}, TorchSharp {expected[p, v]}");
        }
        foreach (int threads in new[] { 1, 2 })
        {
            var session = new LlamaSession(LlamaWeights.Load(directory), threads);
            for (int p = 0; p < tokens.Length; p++) Check(session.Forward(tokens[p]), p, $"{threads} threads");
        }
        var blocks = new LlamaSession(LlamaWeights.Load(directory), 2);
        var all = new float[tokens.Length * 320];
        blocks.Forward(tokens.AsSpan(0, 5), all);
        blocks.Forward(tokens.AsSpan(5), all.AsSpan(5 * 320));
        for (int p = 0; p < tokens.Length; p++) Check(all.AsSpan(p * 320, 320), p, "blocks");
    }

    [Fact]
    public void Greedy_generation_is_the_same_through_both_engines()
    {
        string directory = SavedModel(ConfigFor("gqa"), seed: 12);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 15, StopAtEndOfText = false };
        using var reference = HfCheckpoint.Load(directory);
        string torch = TorchGenerator.Generate(reference, TinyCorpus.Tokenizer, "Ahab watches", options);
        string engine = TextGenerator.Generate(new SessionLogitsSource(new LlamaSession(LlamaWeights.Load(directory), 2)), TinyCorpus.Tokenizer, "Ahab watches", options);
        Assert.Equal(torch, engine);
        Assert.NotEmpty(engine);
    }

    [Fact]
    public void A_context_that_shares_a_prefix_reuses_the_cache_and_matches_a_fresh_session()
    {
        var weights = LlamaWeights.Load(SavedModel(ConfigFor("gqa"), seed: 13));
        var session = new LlamaSession(weights, 2);
        var reused = new SessionLogitsSource(session);
        reused.Next([1, 2, 3, 4, 5]);
        Assert.Equal(5, session.Length);
        var branched = reused.Next([1, 2, 3, 9]).ToArray(); // keeps positions 0..2, recomputes from 3
        Assert.Equal(4, session.Length);
        var fresh = new SessionLogitsSource(new LlamaSession(weights, 2)).Next([1, 2, 3, 9]).ToArray();
        Assert.Equal(fresh, branched);
        Assert.Equal(fresh, reused.Next([1, 2, 3, 9]).ToArray()); // asking again recomputes only the last position
    }
}
