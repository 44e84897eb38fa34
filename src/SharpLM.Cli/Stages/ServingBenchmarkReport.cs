using SharpLM.Cli.Terminal;
using SharpLM.Serving;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm bench serve`: a server on a free loopback port, loaded by 1, 4, 16... concurrent streaming clients.</summary>
public static class ServingBenchmarkReport
{
    public static void Run(string? modelDirectory, IReadOnlyList<int> streamCounts, int requestsPerStream, int promptTokens, int maxTokens, int threads)
    {
        string model = modelDirectory ?? (Directory.Exists(SpeculativeBenchmarkReport.QuickstartModel) ? SpeculativeBenchmarkReport.QuickstartModel
            : throw new Core.SharpLMException($"give --model, or run `sharplm quickstart --out runs/quickstart` first: the benchmark serves {SpeculativeBenchmarkReport.QuickstartModel} by default."));
        int slots = streamCounts.Max();
        var server = SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = model, ModelId = "bench", Port = 0, Parallel = slots, Threads = threads, QueueCapacity = 4 * slots },
            logging: _ => { }).GetAwaiter().GetResult(); // no log providers: the table is the output
        try
        {
            server.Ready.GetAwaiter().GetResult();
            int vocabulary = Core.Models.Folder.ModelFolder.Open(model).Config.VocabSize;
            Display.Info($"{model}: {slots} slots, {threads} threads; prompts of {promptTokens} random tokens, {maxTokens} tokens generated per request (ignore_eos)");
            // One short run first so that the timed runs find the code compiled and the weights in cache.
            ServingBenchmark.MeasureAsync(server.Address, null, vocabulary, 1, 1, promptTokens, Math.Min(8, maxTokens), seed: 0).GetAwaiter().GetResult();
            var table = new Table().AddColumns("streams", "requests", "generated tokens", "seconds", "tokens/s (all streams)", "vs 1 stream", "TTFT p50 (ms)", "TTFT p95 (ms)");
            double? single = null;
            foreach (int streams in streamCounts)
            {
                var load = ServingBenchmark.MeasureAsync(server.Address, null, vocabulary, streams, requestsPerStream, promptTokens, maxTokens, seed: streams)
                    .GetAwaiter().GetResult();
                single ??= streams == 1 ? load.TokensPerSecond : null;
                table.AddRow($"{streams}", $"{load.Requests}", $"{load.GeneratedTokens:N0}", $"{load.Seconds:F2}", $"{load.TokensPerSecond:F1}",
                    single is double s ? $"{load.TokensPerSecond / s:F2}x" : "", $"{load.P50TimeToFirstToken * 1000:F0}", $"{load.P95TimeToFirstToken * 1000:F0}");
            }
            AnsiConsole.Write(table);
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
