using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Tests;

/// <summary>The block (prompt), batched and quantized paths of the engine against its token-by-token fp32 path.</summary>
public class LlamaSessionTests
{
    private static LlamaConfig Config(bool experts = false, int vocab = 300)
    {
        var config = LlamaConfig.Create(vocabSize: vocab, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 96, maxPositions: 160);
        return experts ? config.WithExperts(4, 2) : config;
    }

    /// <summary>Random weights scaled up from the speed-test default, so logits spread and sampling has real choices.</summary>
    private static LlamaWeights Weights(bool experts = false, int seed = 3, int vocab = 300)
    {
        var weights = LlamaWeights.Random(Config(experts, vocab), seed);
        foreach (var (_, matrix) in weights.NamedMatrices())
            if (matrix is F32Matrix f) for (int i = 0; i < f.Values.Length; i++) f.Values[i] *= 6;
        return weights;
    }

    private static int[] Tokens(int count, int seed, int vocab = 300)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    public void Feeding_a_block_equals_decoding_token_by_token(bool experts, int threads)
    {
        var weights = Weights(experts);
        var tokens = Tokens(150, 1); // more than two blocks of 64
        var single = new LlamaSession(weights, threads);
        var expected = new float[tokens.Length * 300];
        for (int i = 0; i < 5; i++) single.Forward(tokens[i]).CopyTo(expected.AsSpan(i * 300));

        var block = new LlamaSession(weights, threads);
        var actual = new float[tokens.Length * 300];
        block.Forward(tokens.AsSpan(0, 5), actual);
        for (int i = 5; i < tokens.Length; i++) single.Forward(tokens[i]).CopyTo(expected.AsSpan(i * 300));
        block.Forward(tokens.AsSpan(5), actual.AsSpan(5 * 300)); // continues after a block already in the cache
        Assert.Equal(tokens.Length, block.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1, Math.Abs(expected[i])), $"logit {i}: {actual[i]} vs {expected[i]}");
        Assert.Equal(expected.AsSpan(expected.Length - 300).ToArray(), new LlamaSession(weights, threads).Prefill(tokens).ToArray());
    }

    /// <summary>
    /// A block wide enough (150 rows × 128) that the norms, rotary step, residual adds and SwiGLU are shared out over
    /// the pool: every logit has the bits of the one-thread pass.
    /// </summary>
    [Fact]
    public void Sharing_a_blocks_per_row_work_over_threads_changes_no_bit()
    {
        var config = LlamaConfig.Create(vocabSize: 300, hiddenSize: 128, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 192, maxPositions: 160);
        var weights = LlamaWeights.Random(config, 5);
        var tokens = Tokens(150, 4);
        var alone = new float[tokens.Length * 300];
        var shared = new float[tokens.Length * 300];
        new LlamaSession(weights, 1).Forward(tokens, alone);
        new LlamaSession(weights, 2).Forward(tokens, shared);
        Assert.Equal(alone, shared);
    }

    [Theory]
    [InlineData(WeightFormat.BF16, 0.02)]
    [InlineData(WeightFormat.Q8_0, 0.05)]
    [InlineData(WeightFormat.Q4, 0.35)]
    public void Quantized_logits_stay_close_to_fp32(WeightFormat format, double tolerance)
    {
        var weights = Weights();
        var quantized = weights.Convert(format, LlamaWeights.TableFormatFor(format));
        Assert.Equal(format, quantized.Layers[0].Gate().Format);
        var tokens = Tokens(20, 2);
        var reference = new float[tokens.Length * 300];
        var actual = new float[tokens.Length * 300];
        new LlamaSession(weights, 1).Forward(tokens, reference);
        new LlamaSession(quantized, 2).Forward(tokens, actual);
        // Root-mean-square error relative to the logits' spread: a few percent for 8 bits, more for 4.
        double error = 0, spread = 0, mean = reference.Average();
        for (int i = 0; i < reference.Length; i++)
        {
            error += Math.Pow(actual[i] - reference[i], 2);
            spread += Math.Pow(reference[i] - mean, 2);
        }
        double relative = Math.Sqrt(error / spread);
        Assert.True(relative < tolerance, $"{format}: relative logit error {relative:F4}");
        Assert.True(relative > 0, "quantization changed nothing: the test would not notice a wrong format");
    }

    [Fact]
    public void Quantized_weights_survive_the_file_round_trip()
    {
        var weights = Weights(experts: true).Convert(WeightFormat.Q4, WeightFormat.Q8_0);
        string directory = Directory.CreateTempSubdirectory().FullName;
        QuantizedModelWriter.Write(weights, directory, WeightFormat.Q4);
        var loaded = LlamaWeights.Load(directory);
        var tokens = Tokens(12, 4);
        var expected = new float[12 * 300];
        var actual = new float[12 * 300];
        new LlamaSession(weights, 1).Forward(tokens, expected);
        new LlamaSession(loaded, 1).Forward(tokens, actual);
        Assert.Equal(expected, actual);
        Assert.Equal(WeightFormat.Q4, loaded.Layers[1].FeedForwards[3].Down.Format);
        Assert.Equal(WeightFormat.Q8_0, loaded.Embeddings.Format);
    }

    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(["the cat sat on the mat and the dog ran"], new BpeTrainerOptions { VocabularySize = 300 });

    [Fact]
    public void Each_sequence_of_a_batch_equals_its_generation_alone()
    {
        // The model's vocabulary is the byte alphabet, which the tokenizer can always decode.
        var weights = Weights(vocab: 256);
        IReadOnlyList<int>[] prompts = [Tokens(3, 7, 256), Tokens(70, 8, 256), Tokens(1, 9, 256)];
        SamplingOptions[] options =
        [
            new() { Temperature = 0.9, TopK = 0, MaxNewTokens = 20, Seed = 1, StopAtEndOfText = false },
            new() { Temperature = 1.2, TopK = 50, MaxNewTokens = 12, Seed = 2, StopAtEndOfText = false },
            new() { Temperature = 0, MaxNewTokens = 25, StopAtEndOfText = false },
        ];
        var batch = BatchGenerator.Generate(weights, 2, Tokenizer, prompts, options);
        for (int s = 0; s < prompts.Length; s++)
        {
            var alone = TextGenerator.Generate(new SessionLogitsSource(new LlamaSession(weights, 1)), Tokenizer, prompts[s], options[s]);
            Assert.Equal(alone.Tokens, batch[s].Tokens);
            Assert.Equal(alone.Text, batch[s].Text);
            Assert.Equal(alone.Finish, batch[s].Finish);
        }
        Assert.Equal(20, batch[0].Tokens.Count);
        Assert.NotEqual(batch[0].Tokens, batch[2].Tokens.Take(20));
    }
}

internal static class LayerExtensions
{
    public static WeightMatrix Gate(this LlamaLayerWeights layer) => layer.FeedForwards[0].Gate;
}
