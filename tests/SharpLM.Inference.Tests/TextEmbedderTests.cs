using SharpLM.Core;
using SharpLM.Core.Models;
using SharpLM.Inference.Gpt2;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Tests;

/// <summary>
/// Final hidden states and the embeddings pooled from them, for every family the engine runs. The hidden states
/// are checked through the decode path: projected by the output matrix they must give the session's own logits.
/// </summary>
public class TextEmbedderTests
{
    private const int Vocab = 120;

    /// <summary>A session of each family, and row v of its output projection.</summary>
    private static (IDecoderSession Session, Func<int, float[]> OutputRow) Family(string family)
    {
        switch (family)
        {
            case "gpt2":
            {
                var weights = Gpt2Weights.Random(Gpt2Config.Create(vocabSize: Vocab, embedding: 32, layers: 2, heads: 4, positions: 160), seed: 4);
                return (new Gpt2Session(weights, threads: 2), v => weights.TokenEmbeddings.AsSpan(v * 32, 32).ToArray());
            }
            default:
            {
                var config = LlamaConfig.Create(vocabSize: Vocab, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 96, maxPositions: 160,
                    tieEmbeddings: family != "llama-untied");
                if (family == "mixtral") config = config.WithExperts(4, 2);
                var weights = LlamaWeights.Random(config, seed: 4);
                return (new LlamaSession(weights, threads: 2), v =>
                {
                    var row = new float[64];
                    weights.OutputProjection.DequantizeRow(v, row);
                    return row;
                });
            }
        }
    }

    private static int[] Tokens(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(Vocab)).ToArray();
    }

    // 100 tokens cross the Llama session's 64-token block, and the embedder's 64-token chunk.
    [Theory]
    [InlineData("llama")]
    [InlineData("llama-untied")]
    [InlineData("mixtral")]
    [InlineData("gpt2")]
    public void Hidden_states_times_the_output_projection_are_the_decode_paths_logits(string family)
    {
        var (session, outputRow) = Family(family);
        var (reference, _) = Family(family);
        var tokens = Tokens(100, seed: 1);
        int dim = ((IHiddenStates)session).HiddenSize;
        var hidden = new float[tokens.Length * dim];
        ((IHiddenStates)session).ForwardHidden(tokens, hidden);
        Assert.Equal(tokens.Length, session.Length);
        var logits = new float[tokens.Length * Vocab];
        reference.Forward(tokens, logits);

        var rows = Enumerable.Range(0, Vocab).Select(outputRow).ToArray();
        for (int t = 0; t < tokens.Length; t++)
            for (int v = 0; v < Vocab; v++)
            {
                double dot = 0;
                for (int j = 0; j < dim; j++) dot += (double)rows[v][j] * hidden[t * dim + j];
                Assert.True(Math.Abs(dot - logits[t * Vocab + v]) < 1e-4 + 1e-4 * Math.Abs(dot), $"{family} token {t}, logit {v}: {dot} vs {logits[t * Vocab + v]}");
            }
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void An_embedding_is_the_unit_length_mean_of_the_hidden_states_from_an_empty_cache(string family)
    {
        var (session, _) = Family(family);
        var (reference, _) = Family(family);
        var tokens = Tokens(100, seed: 2);
        int dim = ((IHiddenStates)reference).HiddenSize;
        var hidden = new float[tokens.Length * dim];
        ((IHiddenStates)reference).ForwardHidden(tokens, hidden);
        var expected = new double[dim];
        for (int t = 0; t < tokens.Length; t++) for (int j = 0; j < dim; j++) expected[j] += hidden[t * dim + j] / (double)tokens.Length;
        double norm = Math.Sqrt(expected.Sum(x => x * x));

        var embedder = new TextEmbedder(session);
        session.Prefill(Tokens(10, seed: 3)); // whatever the session held before must not leak into the embedding
        var embedding = embedder.Embed(tokens);
        Assert.Equal(dim, embedding.Length);
        Assert.Equal(0, session.Length);
        Assert.Equal(1.0, Math.Sqrt(embedding.Sum(x => (double)x * x)), 1e-5);
        for (int j = 0; j < dim; j++) Assert.Equal(expected[j] / norm, embedding[j], 1e-5);
        Assert.Equal(embedding, embedder.Embed(tokens));
        Assert.NotEqual(embedding, embedder.Embed(tokens[..50]));
    }

    [Fact]
    public void A_sequence_longer_than_the_context_is_refused_before_it_runs()
    {
        var (session, _) = Family("llama");
        var error = Assert.Throws<SharpLMException>(() => new TextEmbedder(session).Embed(Tokens(161, seed: 5)));
        Assert.Contains("160", error.Message);
        Assert.Equal(0, session.Length);
    }
}
