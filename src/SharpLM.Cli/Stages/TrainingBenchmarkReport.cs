using SharpLM.Cli.Terminal;
using SharpLM.Training.Benchmarks;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm bench train`: training throughput per model size against the matmul ceiling of the same run.</summary>
public static class TrainingBenchmarkReport
{
    public static void Run(int steps, IReadOnlyList<string> only, bool checkpointActivations)
    {
        double ceiling = TrainingBenchmark.MatmulGflops(ScalarType.Float32);
        double bf16 = TrainingBenchmark.MatmulGflops(ScalarType.BFloat16);
        Display.Info($"matmul 1024²: float32 {ceiling:F0} GFLOP/s, bfloat16 {bf16:F0} GFLOP/s ({bf16 / ceiling:F2}×) on {get_num_threads()} threads");
        var table = new Table().AddColumns("model", "parameters", "batch", "tokens/s", "GFLOP/s", "of ceiling", "forward", "backward", "optimizer");
        foreach (var benchmark in TrainingBenchmark.StandardCases.Where(c => only.Count == 0 || only.Any(o => c.Name.Contains(o, StringComparison.OrdinalIgnoreCase))))
        {
            var result = Display.Progress($"timing {benchmark.Name}", 1, sink => TrainingBenchmark.Run(benchmark, steps, checkpointActivations: checkpointActivations));
            double total = result.StepSeconds;
            table.AddRow(benchmark.Name, $"{benchmark.Config.ParameterCount / 1e6:F1}M", $"{benchmark.BatchSize}×{benchmark.SequenceLength}",
                $"{result.TokensPerSecond:F0}", $"{result.Gflops:F1}", $"{100 * result.Gflops / ceiling:F0}%",
                $"{1000 * result.Forward:F0} ms ({100 * result.Forward / total:F0}%)", $"{1000 * result.Backward:F0} ms ({100 * result.Backward / total:F0}%)",
                $"{1000 * result.Optimizer:F0} ms ({100 * result.Optimizer / total:F0}%)");
        }
        AnsiConsole.Write(table);
    }
}
