using SharpLM.Cli.Terminal;
using SharpLM.Inference;
using SharpLM.Inference.Gpt2;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm bench generate`: the engine's prompt and decoding speed per weight format against the bandwidth bound of the same run.</summary>
public static class DecodeBenchmarkReport
{
    public static void Run(int tokens, int promptTokens, IReadOnlyList<int> threadCounts, IReadOnlyList<string> only)
    {
        double bandwidth = DecodeBenchmark.CopyBandwidth();
        Display.Info($"copy bandwidth {bandwidth / 1e9:F1} GB/s (bytes copied per second; the bound is this ÷ weight bytes per token)");
        var table = new Table().AddColumns("model", "format", "weights", "threads", "prompt tok/s", "decode tok/s", "bandwidth bound", "of bound");
        bool Wanted(string name) => only.Count == 0 || only.Any(o => name.Contains(o, StringComparison.OrdinalIgnoreCase));
        foreach (var (name, config) in DecodeBenchmark.StandardShapes)
        {
            if (!Wanted(name)) continue;
            var float32 = LlamaWeights.Random(config, 1);
            foreach (var format in new[] { WeightFormat.F32, WeightFormat.BF16, WeightFormat.Q8_0, WeightFormat.Q4 })
            {
                var weights = float32.Convert(format, LlamaWeights.TableFormatFor(format));
                foreach (int threads in threadCounts) AddRow(table, DecodeBenchmark.Run(name, weights, threads, bandwidth, tokens, promptTokens));
            }
        }
        foreach (var (name, config) in DecodeBenchmark.Gpt2Shapes)
        {
            if (!Wanted(name)) continue;
            var weights = Gpt2Weights.Random(config, 1);
            foreach (int threads in threadCounts) AddRow(table, DecodeBenchmark.Run(name, weights, threads, bandwidth, tokens, promptTokens));
        }
        AnsiConsole.Write(table);
    }

    private static void AddRow(Table table, DecodeBenchmarkResult result) =>
        table.AddRow(result.Name, result.Format.Name(), $"{result.WeightMegabytes:F0} MB", result.Threads.ToString(), $"{result.PromptTokensPerSecond:F0}",
            $"{result.DecodeTokensPerSecond:F0}", $"{result.BoundTokensPerSecond:F0}", $"{100 * result.DecodeTokensPerSecond / result.BoundTokensPerSecond:F0}%");
}
