using System.Diagnostics;
using SharpLM.Core.Models;
using SharpLM.Inference.Gpt2;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference;

public sealed record DecodeBenchmarkResult(string Name, WeightFormat Format, int Threads, double PromptTokensPerSecond, double DecodeTokensPerSecond,
    double BoundTokensPerSecond, double WeightMegabytes, double PromptFlopsPerToken)
{
    /// <summary>Multiply-add work done per second while processing the prompt (two FLOPs per multiply-add).</summary>
    public double PromptFlopsPerSecond => PromptTokensPerSecond * PromptFlopsPerToken;
}

/// <summary>
/// Prompt-processing and decoding speed of the engine on random weights, beside the memory-bandwidth bound
/// measured in the same run: a decoded token must read every weight once, so decoding tokens/s ≤ copy
/// bandwidth ÷ weight bytes per token. Prompt processing reads each weight once per block of tokens, so it may exceed that bound.
/// </summary>
public static class DecodeBenchmark
{
    public static IReadOnlyList<(string Name, LlamaConfig Config)> StandardShapes { get; } =
    [
        ("llama 15M (dim 288, 6 layers, vocab 32000)", LlamaConfig.Create(32000, 288, 6, 6, intermediateSize: 768, maxPositions: 256)),
        ("llama 110M (dim 768, 12 layers, vocab 32000)", LlamaConfig.Create(32000, 768, 12, 12, intermediateSize: 2048, maxPositions: 256)),
    ];

    /// <summary>GPT-2 shapes, decoded by <see cref="Gpt2Session"/> (learned positions, LayerNorm, biases, tied output).</summary>
    public static IReadOnlyList<(string Name, Gpt2Config Config)> Gpt2Shapes { get; } =
    [
        ("gpt2 124M (dim 768, 12 layers, vocab 50257)", Gpt2Config.Create(50257, 768, 12, 12, positions: 1024)),
    ];

    /// <summary>Bytes copied per second by a large array copy (each byte is read once and written once).</summary>
    public static double CopyBandwidth()
    {
        var source = new byte[256 << 20];
        var destination = new byte[source.Length];
        new Random(1).NextBytes(source.AsSpan(0, 1 << 20));
        source.AsSpan().CopyTo(destination); // touch every page first
        var clock = Stopwatch.StartNew();
        int copies = 0;
        while (clock.Elapsed.TotalSeconds < 1 || copies < 3)
        {
            source.AsSpan().CopyTo(destination);
            copies++;
        }
        return (double)source.Length * copies / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The float32 matrix-multiply ceiling of <paramref name="threads"/> threads: each runs the prompt kernel's
    /// four-rows × three-vectors micro-kernel over operands that stay in L1 (4 × 256 weights, 3 × 256 activations),
    /// so nothing but the multiply-adds limits it. FLOPs per second over all threads, best of a few rounds.
    /// </summary>
    public static unsafe double MatmulCeiling(int threads)
    {
        // Rounds of a quarter second or so, best of five: shorter rounds time thread start-up and the JIT's first,
        // unoptimised tier instead of the kernel.
        const int Columns = 256, Calls = 2_000_000;
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                var weights = RandomWeights.Normal(new System.Random(1), 4 * Columns);
                var vectors = RandomWeights.Normal(new System.Random(2), 3 * Columns);
                var output = new float[3 * 4];
                fixed (float* w = weights, x = vectors, y = output)
                    for (int i = 0; i < Calls; i++) F32Matrix.FourRowsThreeVectors(w, x, Columns, y, 4);
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            best = Math.Max(best, 2.0 * 4 * 3 * Columns * Calls * threads / clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// FLOPs per prompt token: every layer product (two per weight), attention's scores and weighted sums against
    /// the average causal context of a <paramref name="promptTokens"/>-token prompt, and the output projection once
    /// per prompt (only the last token's logits are computed).
    /// </summary>
    public static double PromptFlopsPerToken(LlamaConfig config, int promptTokens)
    {
        double d = config.HiddenSize, q = (double)config.NumAttentionHeads * config.HeadDim, kv = (double)config.NumKeyValueHeads * config.HeadDim;
        int expertsUsed = config.IsMixtureOfExperts ? config.NumExpertsPerToken!.Value : 1;
        double layerWeights = d * q * 2 + d * kv * 2 + 3 * d * config.IntermediateSize * expertsUsed;
        double attention = 2 * 2 * q * (promptTokens + 1) / 2.0;
        return config.NumHiddenLayers * (2 * layerWeights + attention) + 2.0 * d * config.VocabSize / promptTokens;
    }

    /// <summary>
    /// Times a prompt of <paramref name="promptTokens"/> fed as one call, then <paramref name="tokens"/> decoded one
    /// by one; each <paramref name="repeats"/> times, keeping the best (the machine may be shared).
    /// </summary>
    public static DecodeBenchmarkResult Run(string name, LlamaWeights weights, int threads, double bandwidth, int tokens = 128, int promptTokens = 128,
        int repeats = 3)
    {
        return Measure(name, new LlamaSession(weights, threads), weights.Layers[0].Query.Format, weights.WeightBytesPerToken, threads, bandwidth,
            tokens, promptTokens, repeats) with { PromptFlopsPerToken = PromptFlopsPerToken(weights.Config, promptTokens) };
    }

    /// <summary>A GPT-2 session on <paramref name="weights"/> (float32 weights).</summary>
    public static DecodeBenchmarkResult Run(string name, Gpt2Weights weights, int threads, double bandwidth, int tokens = 128, int promptTokens = 128,
        int repeats = 3) =>
        Measure(name, new Gpt2Session(weights, threads), WeightFormat.F32, weights.WeightBytesPerToken, threads, bandwidth, tokens, promptTokens, repeats);

    private static DecodeBenchmarkResult Measure(string name, IDecoderSession session, WeightFormat format, long weightBytesPerToken, int threads,
        double bandwidth, int tokens, int promptTokens, int repeats)
    {
        int vocabulary = session.VocabularySize;
        var prompt = Enumerable.Range(0, promptTokens).Select(i => (i * 7919) % vocabulary).ToArray();
        // Warm-up for a second of whole rounds: .NET first runs a method's quick tier-0 code and swaps in optimised code
        // only after enough calls and loop iterations, so timing the first rounds measures the JIT, not the kernels.
        var warmup = Stopwatch.StartNew();
        do
        {
            session.Truncate(0);
            session.Prefill(prompt);
            for (int i = 0; i < 8; i++) session.Forward(i % vocabulary);
        }
        while (warmup.Elapsed.TotalSeconds < 1);
        double promptSeconds = double.MaxValue, seconds = double.MaxValue;
        for (int repeat = 0; repeat < Math.Max(1, repeats); repeat++)
        {
            session.Truncate(0);
            var clock = Stopwatch.StartNew();
            session.Prefill(prompt);
            promptSeconds = Math.Min(promptSeconds, clock.Elapsed.TotalSeconds);
            session.Truncate(0);
            clock.Restart();
            for (int i = 0; i < tokens; i++) session.Forward(i % vocabulary);
            seconds = Math.Min(seconds, clock.Elapsed.TotalSeconds);
        }
        return new DecodeBenchmarkResult(name, format, threads, promptTokens / promptSeconds, tokens / seconds,
            bandwidth / weightBytesPerToken, weightBytesPerToken / 1e6, 0);
    }
}
