using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Models;
using SharpLM.Inference.Evaluation;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Tests;

public class EnginePerplexityTests
{
    /// <summary>Against a second computation: token-by-token decoding per window and a softmax in double precision.</summary>
    [Fact]
    public void Perplexity_is_the_mean_loss_of_token_by_token_decoding_over_windows()
    {
        var config = LlamaConfig.Create(vocabSize: 64, hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64, maxPositions: 16);
        var weights = LlamaWeights.Random(config, 5);
        var random = new Random(6);
        var tokens = Enumerable.Range(0, 40).Select(_ => random.Next(64)).ToArray();
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "val.tok");
        using (var writer = new TokenShardWriter(path, 64))
        {
            writer.AddDocument(tokens);
            writer.Complete();
        }
        using var shard = new TokenShardReader(path);
        var score = EnginePerplexity.Evaluate(weights, shard, contextLength: 8, threads: 2);

        double total = 0;
        int windows = (tokens.Length - 1) / 8;
        for (int w = 0; w < windows; w++)
        {
            var session = new LlamaSession(weights, 1);
            for (int i = 0; i < 8; i++)
            {
                var logits = session.Forward(tokens[w * 8 + i]).ToArray();
                double sum = logits.Sum(v => Math.Exp(v));
                total -= Math.Log(Math.Exp(logits[tokens[w * 8 + i + 1]]) / sum);
            }
        }
        Assert.Equal(windows * 8, score.Tokens);
        Assert.Equal(total / (windows * 8), score.MeanNegativeLogLikelihood, 1e-5);
        Assert.Equal(Math.Exp(score.MeanNegativeLogLikelihood), score.Perplexity, 9);
    }

    [Fact]
    public void A_shard_shorter_than_one_window_is_refused()
    {
        var weights = LlamaWeights.Random(LlamaConfig.Create(vocabSize: 64, hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64, maxPositions: 16), 5);
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "short.tok");
        using (var writer = new TokenShardWriter(path, 64))
        {
            writer.AddDocument([1, 2, 3]);
            writer.Complete();
        }
        using var shard = new TokenShardReader(path);
        var error = Assert.Throws<Core.SharpLMException>(() => EnginePerplexity.Evaluate(weights, shard, 8));
        Assert.Contains("fewer than one window of 9", error.Message);
    }
}
