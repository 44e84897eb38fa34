using System.Diagnostics;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference;

/// <summary>One draft setting measured against plain decoding of the same target in the same run.</summary>
public sealed record SpeculativeBenchmarkResult(string Draft, int DraftTokens, double TokensPerSecond, double PlainTokensPerSecond, SpeculativeStatistics Statistics)
{
    public double SpeedUp => TokensPerSecond / PlainTokensPerSecond;
}

/// <summary>
/// Speculative decoding's speed against plain decoding: both generate the same number of tokens after the same
/// prompt (prefill included) with the same sampling settings, the best of a few repetitions each.
/// </summary>
public static class SpeculativeBenchmark
{
    /// <summary>Tokens/s of plain one-token-at-a-time decoding.</summary>
    public static double Plain(LlamaWeights target, IReadOnlyList<int> prompt, SamplingOptions options, int threads, int repeats)
    {
        var session = new LlamaSession(target, threads);
        double best = 0;
        for (int repeat = 0; repeat <= repeats; repeat++) // the first run warms up the JIT and caches and is not counted
        {
            session.Reset();
            var sampler = new TokenSampler(options);
            var context = new List<int>(prompt);
            var clock = Stopwatch.StartNew();
            ReadOnlySpan<float> logits = default;
            foreach (int token in prompt) logits = session.Forward(token);
            for (int i = 0; i < options.MaxNewTokens && context.Count < session.MaxPositions; i++)
            {
                context.Add(sampler.Next(logits, context));
                if (i + 1 < options.MaxNewTokens && context.Count < session.MaxPositions) logits = session.Forward(context[^1]);
            }
            if (repeat > 0) best = Math.Max(best, (context.Count - prompt.Count) / clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>Tokens/s and statistics of speculative decoding with <paramref name="draft"/> proposing <paramref name="draftTokens"/> per round.</summary>
    public static (double TokensPerSecond, SpeculativeStatistics Statistics) Speculative(LlamaWeights target, LlamaWeights draft, int draftTokens,
        IReadOnlyList<int> prompt, SamplingOptions options, int threads, int repeats)
    {
        double best = 0;
        var statistics = SpeculativeStatistics.None;
        for (int repeat = 0; repeat <= repeats; repeat++)
        {
            var decoder = new SpeculativeDecoder(new LlamaSession(target, threads), new LlamaSession(draft, threads), options, draftTokens);
            var clock = Stopwatch.StartNew();
            var result = decoder.Generate(prompt);
            double tokensPerSecond = result.Tokens.Count / clock.Elapsed.TotalSeconds;
            if (repeat > 0 && tokensPerSecond > best) (best, statistics) = (tokensPerSecond, result.Statistics);
        }
        return (best, statistics);
    }
}
