using SharpLM.Cli.Terminal;
using SharpLM.Serving;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench serve`: a server on a free loopback port, loaded by 1, 4, 16... concurrent streaming clients; with
/// <c>--llama-server</c>, llama.cpp's server on the same model exported to GGUF (f32) gets the same load right after
/// each level, with the same slots and threads.
/// </summary>
public static class ServingBenchmarkReport
{
    /// <param name="sharedPrefix">Also time requests sharing a system prompt of this many tokens, with the shared prefix cache on and off (0: skip).</param>
    /// <param name="llamaServer">A llama-server binary to load the same way, level by level, or null.</param>
    public static void Run(string? modelDirectory, IReadOnlyList<int> streamCounts, int requestsPerStream, int promptTokens, int maxTokens, int threads, int sharedPrefix = 0,
        string? llamaServer = null)
    {
        if (llamaServer is not null) LlamaCppBinary.Require(llamaServer, "--llama-server");
        string model = modelDirectory ?? (Directory.Exists(SpeculativeBenchmarkReport.QuickstartModel) ? SpeculativeBenchmarkReport.QuickstartModel : RandomModel());
        int slots = streamCounts.Max();
        var server = SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = model, ModelId = "bench", Port = 0, Parallel = slots, Threads = threads, QueueCapacity = 4 * slots },
            logging: _ => { }).GetAwaiter().GetResult(); // no log providers: the table is the output
        LlamaServerProcess? llama = null;
        try
        {
            server.Ready.GetAwaiter().GetResult();
            int vocabulary = Core.Models.Folder.ModelFolder.Open(model).Config.VocabSize;
            Display.Info($"{model}: {slots} slots, {threads} threads; prompts of {promptTokens} random tokens, {maxTokens} tokens generated per request (ignore_eos)");
            var servers = new List<(string Name, Uri Address)> { ("sharplm", server.Address) };
            if (llamaServer is not null)
            {
                string gguf = Path.Combine(Directory.CreateTempSubdirectory("sharplm-bench-serve-").FullName, "model-f32.gguf");
                GgufExportStage.Run(model, gguf, Core.Formats.Gguf.GgufExportTypes.Parse("f32"));
                llama = LlamaServerProcess.Start(llamaServer, gguf, slots, promptTokens + maxTokens + 16, threads);
                servers.Add(("llama.cpp", llama.Address));
                Display.Info($"llama-server on the same model as {gguf}: {slots} slots, {threads} threads; each load level runs on sharplm, then on llama-server");
            }
            // One short run first so that the timed runs find the code compiled and the weights in cache.
            foreach (var (name, address) in servers)
                Load(name, () => ServingBenchmark.MeasureAsync(address, null, vocabulary, 1, 1, promptTokens, Math.Min(8, maxTokens), seed: 0));
            var table = new Table().AddColumns("server", "streams", "requests", "generated tokens", "seconds", "tokens/s (all streams)", "vs 1 stream", "TTFT p50 (ms)",
                "TTFT p95 (ms)", "ITL p50 (ms)", "ITL p95 (ms)");
            var single = new Dictionary<string, double>();
            foreach (int streams in streamCounts)
                foreach (var (name, address) in servers)
                {
                    var load = Load(name, () => ServingBenchmark.MeasureAsync(address, null, vocabulary, streams, requestsPerStream, promptTokens, maxTokens, seed: streams));
                    if (streams == 1) single[name] = load.TokensPerSecond;
                    table.AddRow(name, $"{streams}", $"{load.Requests}", $"{load.GeneratedTokens:N0}", $"{load.Seconds:F2}", $"{load.TokensPerSecond:F1}",
                        single.TryGetValue(name, out double s) ? $"{load.TokensPerSecond / s:F2}x" : "", $"{load.P50TimeToFirstToken * 1000:F0}",
                        $"{load.P95TimeToFirstToken * 1000:F0}", $"{load.P50InterToken * 1000:F1}", $"{load.P95InterToken * 1000:F1}");
                }
            AnsiConsole.Write(table);
            if (sharedPrefix > 0) SharedPrefix(model, vocabulary, sharedPrefix, maxTokens, threads);
        }
        finally
        {
            llama?.Dispose();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>One load level on one server; a transport failure names the server it came from.</summary>
    private static ServingLoad Load(string server, Func<Task<ServingLoad>> measure)
    {
        try
        {
            return measure().GetAwaiter().GetResult();
        }
        catch (HttpRequestException e)
        {
            throw new Core.SharpLMException($"{server}: {e.Message} {e.InnerException?.Message}".Trim());
        }
    }

    /// <summary>TTFT with a shared system prompt: a one-slot server with the shared prefix cache and one without, requests alternating between them.</summary>
    private static void SharedPrefix(string model, int vocabulary, int prefixTokens, int maxTokens, int threads)
    {
        ServerOptions Options(int megabytes) => new() { ModelDirectory = model, ModelId = "bench", Port = 0, Parallel = 1, Threads = threads, PrefixCacheMegabytes = megabytes };
        var on = SharpLMServer.StartAsync(Options(ServerOptions.DefaultPrefixCacheMegabytes), logging: _ => { }).GetAwaiter().GetResult();
        var off = SharpLMServer.StartAsync(Options(0), logging: _ => { }).GetAwaiter().GetResult();
        try
        {
            on.Ready.GetAwaiter().GetResult();
            off.Ready.GetAwaiter().GetResult();
            ServingBenchmark.MeasureSharedPrefixAsync(on.Address, off.Address, null, vocabulary, prefixTokens, 1, Math.Min(4, maxTokens), seed: 1).GetAwaiter().GetResult(); // warm-up
            var load = ServingBenchmark.MeasureSharedPrefixAsync(on.Address, off.Address, null, vocabulary, prefixTokens, 10, Math.Min(8, maxTokens), seed: 2)
                .GetAwaiter().GetResult();
            Display.Info($"shared system prompt of {prefixTokens} tokens + 16 of the request's own; an unrelated prompt ran in the one slot before each request; {load.Requests} requests per server, alternated");
            var table = new Table().AddColumns("prefix cache", "TTFT p50 (ms)", "TTFT p95 (ms)", "cached prompt tokens (mean)");
            table.AddRow("on", $"{load.P50On * 1000:F0}", $"{load.P95On * 1000:F0}", $"{load.MeanCachedOn:F0}");
            table.AddRow("off", $"{load.P50Off * 1000:F0}", $"{load.P95Off * 1000:F0}", $"{load.MeanCachedOff:F0}");
            AnsiConsole.Write(table);
        }
        finally
        {
            on.DisposeAsync().AsTask().GetAwaiter().GetResult();
            off.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string RandomModel()
    {
        string directory = BenchmarkModels.RandomStories15M();
        Display.Info($"{SpeculativeBenchmarkReport.QuickstartModel} is not here: serving a random-weight model of stories15M's shape ({directory})");
        return directory;
    }
}
