using System.Diagnostics;
using SharpLM.Core.Models;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference;

public sealed record DecodeBenchmarkResult(string Name, WeightFormat Format, int Threads, double PromptTokensPerSecond, double DecodeTokensPerSecond,
    double BoundTokensPerSecond, double WeightMegabytes);

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
    /// Times a prompt of <paramref name="promptTokens"/> fed as one call, then <paramref name="tokens"/> decoded one
    /// by one; each <paramref name="repeats"/> times, keeping the best (the machine may be shared).
    /// </summary>
    public static DecodeBenchmarkResult Run(string name, LlamaWeights weights, int threads, double bandwidth, int tokens = 128, int promptTokens = 128,
        int repeats = 3)
    {
        var config = weights.Config;
        var session = new LlamaSession(weights, threads);
        var prompt = Enumerable.Range(0, promptTokens).Select(i => (i * 7919) % config.VocabSize).ToArray();
        session.Prefill(prompt.AsSpan(0, Math.Min(16, prompt.Length))); // warm-up: JIT and caches
        for (int i = 0; i < 8; i++) session.Forward(i);
        session.Reset();
        double promptSeconds = double.MaxValue, seconds = double.MaxValue;
        for (int repeat = 0; repeat < Math.Max(1, repeats); repeat++)
        {
            session.Reset();
            var clock = Stopwatch.StartNew();
            session.Prefill(prompt);
            promptSeconds = Math.Min(promptSeconds, clock.Elapsed.TotalSeconds);
            session.Reset();
            clock.Restart();
            for (int i = 0; i < tokens; i++) session.Forward(i % config.VocabSize);
            seconds = Math.Min(seconds, clock.Elapsed.TotalSeconds);
        }
        var format = weights.Layers[0].Query.Format;
        return new DecodeBenchmarkResult(name, format, threads, promptTokens / promptSeconds, tokens / seconds,
            bandwidth / weights.WeightBytesPerToken, weights.WeightBytesPerToken / 1e6);
    }
}
