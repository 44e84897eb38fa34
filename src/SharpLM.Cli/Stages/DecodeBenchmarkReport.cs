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
        var ceilings = threadCounts.ToDictionary(t => t, DecodeBenchmark.MatmulCeiling);
        foreach (var (threads, ceiling) in ceilings)
            Display.Info($"fp32 matmul ceiling, {threads} thread(s): {ceiling / 1e9:F1} GFLOP/s (the prompt micro-kernel on L1-resident operands)");
        var table = new Table().AddColumns("model", "format", "weights", "threads", "prompt tok/s", "prompt GFLOP/s", "of ceiling", "decode tok/s",
            "bandwidth bound", "of bound");
        bool Wanted(string name) => only.Count == 0 || only.Any(o => name.Contains(o, StringComparison.OrdinalIgnoreCase));
        foreach (var (name, config) in DecodeBenchmark.StandardShapes)
        {
            if (!Wanted(name)) continue;
            var float32 = LlamaWeights.Random(config, 1);
            foreach (var format in new[] { WeightFormat.F32, WeightFormat.BF16, WeightFormat.Q8_0, WeightFormat.Q4 })
            {
                var weights = float32.Convert(format, LlamaWeights.TableFormatFor(format));
                foreach (int threads in threadCounts) AddRow(table, DecodeBenchmark.Run(name, weights, threads, bandwidth, tokens, promptTokens), ceilings[threads]);
            }
        }
        foreach (var (name, config) in DecodeBenchmark.Gpt2Shapes)
        {
            if (!Wanted(name)) continue;
            var weights = Gpt2Weights.Random(config, 1);
            foreach (int threads in threadCounts) AddRow(table, DecodeBenchmark.Run(name, weights, threads, bandwidth, tokens, promptTokens), 0);
        }
        AnsiConsole.Write(table);
    }

    /// <summary>One row; the GFLOP/s columns stay empty where the FLOPs of a token are not counted (GPT-2).</summary>
    private static void AddRow(Table table, DecodeBenchmarkResult result, double ceiling) =>
        table.AddRow(result.Name, result.Format.Name(), $"{result.WeightMegabytes:F0} MB", result.Threads.ToString(), $"{result.PromptTokensPerSecond:F0}",
            result.PromptFlopsPerToken > 0 ? $"{result.PromptFlopsPerSecond / 1e9:F1}" : "",
            result.PromptFlopsPerToken > 0 && ceiling > 0 ? $"{100 * result.PromptFlopsPerSecond / ceiling:F0}%" : "",
            $"{result.DecodeTokensPerSecond:F0}", $"{result.BoundTokensPerSecond:F0}", $"{100 * result.DecodeTokensPerSecond / result.BoundTokensPerSecond:F0}%");
}
