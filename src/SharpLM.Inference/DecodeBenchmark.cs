using System.Diagnostics;
using SharpLM.Core.Models;
using SharpLM.Inference.Gpt2;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference;

public sealed record DecodeBenchmarkResult(string Name, int Threads, string Kernel, double TokensPerSecond, double BoundTokensPerSecond, double WeightMegabytes);

/// <summary>
/// Decoding speed of the engine on random weights, beside the memory-bandwidth bound measured in the same run:
/// a decoded token must read every weight once, so tokens/s ≤ copy bandwidth ÷ weight bytes per token.
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

    public static DecodeBenchmarkResult Run(string name, LlamaWeights weights, int threads, double bandwidth, int tokens = 128,
        Kernels.MatrixVectorKernel kernel = Kernels.MatrixVectorKernel.Blocked)
    {
        var session = new LlamaSession(weights, threads, kernel);
        return Measure(name, session, weights.WeightBytesPerToken, threads, kernel.ToString(), bandwidth, tokens);
    }

    /// <summary>A GPT-2 session on <paramref name="weights"/>, with the default matrix-vector kernel.</summary>
    public static DecodeBenchmarkResult Run(string name, Gpt2Weights weights, int threads, double bandwidth, int tokens = 128) =>
        Measure(name, new Gpt2Session(weights, threads), weights.WeightBytesPerToken, threads, Kernels.MatrixVectorKernel.Blocked.ToString(), bandwidth, tokens);

    private static DecodeBenchmarkResult Measure(string name, IDecoderSession session, long weightBytesPerToken, int threads, string kernel,
        double bandwidth, int tokens)
    {
        for (int i = 0; i < 8; i++) session.Forward(i); // warm-up: JIT and caches
        session.Truncate(0);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < tokens; i++) session.Forward(i % session.VocabularySize);
        double seconds = clock.Elapsed.TotalSeconds;
        double bound = bandwidth / weightBytesPerToken;
        return new DecodeBenchmarkResult(name, threads, kernel, tokens / seconds, bound, weightBytesPerToken / 1e6);
    }
}
