using System.Diagnostics;
using SharpLM.Core.Models;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.Training.Benchmarks;

/// <summary>A model shape and batch to time.</summary>
public sealed record TrainingBenchmarkCase(string Name, IModelConfig Config, int BatchSize, int SequenceLength);

/// <summary>One case's timings: seconds per step split into forward (with the loss), backward and optimizer (clip + AdamW).</summary>
public sealed record TrainingBenchmarkResult(TrainingBenchmarkCase Case, double Forward, double Backward, double Optimizer)
{
    public double StepSeconds => Forward + Backward + Optimizer;
    public long TokensPerStep => (long)Case.BatchSize * Case.SequenceLength;
    public double TokensPerSecond => TokensPerStep / StepSeconds;
    public double Gflops => TokensPerSecond * Case.Config.TrainingFlopsPerToken(Case.SequenceLength) / 1e9;
}

/// <summary>
/// Times training steps on random tokens (the data does not change the arithmetic), after warm-up steps, with
/// each phase measured separately. Used by `sharplm bench train`.
/// </summary>
public static class TrainingBenchmark
{
    public static IReadOnlyList<TrainingBenchmarkCase> StandardCases { get; } =
    [
        new("llama ~10M", LlamaConfig.Create(4096, 384, 6, 6, maxPositions: 256), 8, 256),
        new("llama ~50M", LlamaConfig.Create(8192, 640, 10, 10, maxPositions: 256), 8, 256),
        new("gpt2 124M", Gpt2Config.Create(50257, 768, 12, 12, 1024), 4, 64),
    ];

    public static TrainingBenchmarkResult Run(TrainingBenchmarkCase benchmark, int steps, int warmup = 2, bool checkpointActivations = false)
    {
        Native.TorchRuntime.EnsureLoaded();
        using var model = CausalLanguageModel.Create(benchmark.Config);
        model.InitializeWeights(1);
        model.train();
        model.CheckpointActivations = checkpointActivations;
        var parameters = model.parameters().ToList();
        using var optimizer = new AdamWOptimizer(model.named_parameters(), (n, p) => Pretrainer.DecaysWeight(model, n, p), 0.9, 0.95, 1e-8, 0.1);
        double forward = 0, backward = 0, update = 0;
        for (int step = 0; step < warmup + steps; step++)
        {
            using var scope = NewDisposeScope();
            var tokens = randint(benchmark.Config.VocabSize, [benchmark.BatchSize, benchmark.SequenceLength + 1], dtype: ScalarType.Int64);
            var inputs = tokens.narrow(1, 0, benchmark.SequenceLength);
            var targets = tokens.narrow(1, 1, benchmark.SequenceLength);
            optimizer.ZeroGrad();
            var clock = Stopwatch.StartNew();
            var logits = model.forward(inputs);
            var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
            loss.item<float>(); // libtorch on the CPU is synchronous; reading the loss marks the end of the forward pass
            double f = clock.Elapsed.TotalSeconds;
            clock.Restart();
            loss.backward();
            double b = clock.Elapsed.TotalSeconds;
            clock.Restart();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.Step(1e-4);
            double u = clock.Elapsed.TotalSeconds;
            if (step < warmup) continue;
            forward += f;
            backward += b;
            update += u;
        }
        return new TrainingBenchmarkResult(benchmark, forward / steps, backward / steps, update / steps);
    }

    /// <summary>
    /// GFLOP/s of a square matrix multiply in the given precision: in float32, the ceiling pretraining reports MFU
    /// against; in bfloat16, the answer to whether mixed precision would pay on this machine.
    /// </summary>
    public static double MatmulGflops(ScalarType type, int size = 1024, double seconds = 1.0)
    {
        Native.TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(size, size).to_type(type);
        var b = randn(size, size).to_type(type);
        mm(a, b).Dispose();
        var clock = Stopwatch.StartNew();
        int iterations = 0;
        while (clock.Elapsed.TotalSeconds < seconds || iterations < 2)
        {
            mm(a, b).Dispose();
            iterations++;
        }
        return 2.0 * size * size * size * iterations / clock.Elapsed.TotalSeconds / 1e9;
    }
}
