using System.Text.Json.Nodes;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Onnx;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench onnx`: the C# engine against ONNX Runtime on the model exported with float32 and with float16 weights,
/// the same prompt prefilled and the same greedy tokens decoded on the cache, as a table and optionally as JSON.
/// </summary>
public static class OnnxBenchmarkReport
{
    public static IReadOnlyList<OnnxBenchmarkRow> Run(string? modelDirectory, int promptTokens, int tokens, int threads, int rounds, string? jsonPath)
    {
        string model = modelDirectory ?? BenchmarkModels.RandomStories15M();
        var folder = ModelFolder.Open(model);
        int context = folder.Config.MaxPositionEmbeddings;
        if (promptTokens + tokens > context)
            throw new SharpLMException($"--prompt-tokens {promptTokens} + --tokens {tokens} exceed the model's context of {context} ({folder.ConfigPath}).");
        var random = new Random(1);
        int[] prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(folder.Config.VocabSize)).ToArray();
        Display.Info($"{model}: {promptTokens}-token prompt, {tokens} decoded tokens, {threads} thread(s), {rounds} rounds (the first a warm-up, the rest averaged)");

        string exports = Directory.CreateTempSubdirectory("sharplm-bench-onnx-").FullName;
        try
        {
            Display.Info("engine...");
            var rows = new List<OnnxBenchmarkRow> { OnnxBenchmark.Engine(model, new FileInfo(folder.WeightsPath).Length, prompt, tokens, threads, rounds) };
            foreach (var (type, name) in new[] { (OnnxWeightType.Float32, "ORT fp32"), (OnnxWeightType.Float16, "ORT fp16") })
            {
                Display.Info($"{name}: exporting and running...");
                var export = OnnxExport.Run(model, Path.Combine(exports, $"model-{name[4..]}.onnx"), type);
                rows.Add(OnnxBenchmark.OnnxRuntime(name, export.Path, prompt, tokens, threads, rounds));
            }
            Print(rows);
            if (jsonPath is not null)
            {
                AtomicFile.WriteAllText(jsonPath, ToJson(model, promptTokens, tokens, threads, rounds, rows));
                Display.Info($"wrote {jsonPath}");
            }
            return rows;
        }
        finally
        {
            Directory.Delete(exports, recursive: true);
        }
    }

    private static void Print(IReadOnlyList<OnnxBenchmarkRow> rows)
    {
        var engine = rows[0];
        var table = new Table().AddColumns("runtime", "file bytes", "prefill tok/s", "decode tok/s", "prefill ORT/engine", "decode ORT/engine", "greedy tokens as engine");
        foreach (var row in rows)
        {
            bool isEngine = ReferenceEquals(row, engine);
            table.AddRow(row.Runtime, $"{row.FileBytes:N0}", $"{row.PrefillTokensPerSecond:F0}", $"{row.DecodeTokensPerSecond:F0}",
                isEngine ? "-" : $"{row.PrefillTokensPerSecond / engine.PrefillTokensPerSecond:F2}×",
                isEngine ? "-" : $"{row.DecodeTokensPerSecond / engine.DecodeTokensPerSecond:F2}×",
                isEngine ? "-" : $"{SameTokens(row, engine)}/{engine.Tokens.Count}");
        }
        AnsiConsole.Write(table);
    }

    /// <summary>How many leading greedy tokens agree with the engine's: a check that the timed work was the same work.</summary>
    private static int SameTokens(OnnxBenchmarkRow row, OnnxBenchmarkRow engine) =>
        row.Tokens.Zip(engine.Tokens).TakeWhile(pair => pair.First == pair.Second).Count();

    private static string ToJson(string model, int promptTokens, int tokens, int threads, int rounds, IReadOnlyList<OnnxBenchmarkRow> rows)
    {
        var engine = rows[0];
        var json = new JsonObject
        {
            ["model"] = model,
            ["prompt_tokens"] = promptTokens,
            ["decode_tokens"] = tokens,
            ["threads"] = threads,
            ["rounds"] = rounds,
            ["rows"] = new JsonArray(rows.Select(row => (JsonNode)new JsonObject
            {
                ["runtime"] = row.Runtime,
                ["file_bytes"] = row.FileBytes,
                ["prefill_tokens_per_second"] = row.PrefillTokensPerSecond,
                ["decode_tokens_per_second"] = row.DecodeTokensPerSecond,
                ["prefill_ratio_to_engine"] = row.PrefillTokensPerSecond / engine.PrefillTokensPerSecond,
                ["decode_ratio_to_engine"] = row.DecodeTokensPerSecond / engine.DecodeTokensPerSecond,
                ["greedy_tokens_as_engine"] = SameTokens(row, engine),
            }).ToArray()),
        };
        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
