using SharpLM.Cli.Terminal;
using SharpLM.Inference;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm bench generate`: the engine's decoding speed against the bandwidth bound of the same run.</summary>
public static class DecodeBenchmarkReport
{
    public static void Run(int tokens)
    {
        double bandwidth = DecodeBenchmark.CopyBandwidth();
        Display.Info($"copy bandwidth {bandwidth / 1e9:F1} GB/s (bytes copied per second; the bound is this ÷ weight bytes per token)");
        var table = new Table().AddColumns("model", "weights", "threads", "kernel", "tokens/s", "bandwidth bound", "of bound");
        foreach (var (name, config) in DecodeBenchmark.StandardShapes)
        {
            var weights = Inference.Llama.LlamaWeights.Random(config, 1);
            foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
                // Both kernels back to back, so their ratio is measured under the same machine load.
                foreach (var kernel in new[] { Inference.Kernels.MatrixVectorKernel.RowDot, Inference.Kernels.MatrixVectorKernel.Blocked })
                    AddRow(table, DecodeBenchmark.Run(name, weights, threads, bandwidth, tokens, kernel));
        }
        foreach (var (name, config) in DecodeBenchmark.Gpt2Shapes)
        {
            var weights = Inference.Gpt2.Gpt2Weights.Random(config, 1);
            foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
                AddRow(table, DecodeBenchmark.Run(name, weights, threads, bandwidth, tokens));
        }
        AnsiConsole.Write(table);
    }

    private static void AddRow(Table table, DecodeBenchmarkResult result) =>
        table.AddRow(result.Name, $"{result.WeightMegabytes:F0} MB", result.Threads.ToString(), result.Kernel, $"{result.TokensPerSecond:F0}",
            $"{result.BoundTokensPerSecond:F0}", $"{100 * result.TokensPerSecond / result.BoundTokensPerSecond:F0}%");
}
