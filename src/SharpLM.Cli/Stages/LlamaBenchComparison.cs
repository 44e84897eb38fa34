using System.Diagnostics;
using System.Globalization;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Inference;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench generate --llama-bench PATH`: the C# engine and llama.cpp's llama-bench on the very same random
/// model, exported to GGUF in float32 and q8_0, measured alternately (engine, then llama.cpp, for each format and
/// thread count) for several passes, so that both see the same machine state. Prints each pair and the ratio
/// engine ÷ llama.cpp for prompt processing and for decoding.
/// </summary>
public static class LlamaBenchComparison
{
    public sealed record Pair(string Model, string Format, int Threads, int Pass, double EnginePrompt, double EngineDecode, double LlamaPrompt, double LlamaDecode);

    public static IReadOnlyList<Pair> Run(string llamaBench, IReadOnlyList<int> threadCounts, int promptTokens, int tokens, IReadOnlyList<string> only, int passes)
    {
        LlamaCppBinary.Require(llamaBench, "--llama-bench");
        double bandwidth = DecodeBenchmark.CopyBandwidth();
        var pairs = new List<Pair>();
        foreach (var (name, config) in DecodeBenchmark.StandardShapes)
        {
            if (only.Count > 0 && !only.Any(o => name.Contains(o, StringComparison.OrdinalIgnoreCase))) continue;
            string folder = RandomFolder(config);
            var float32 = EngineModel.Load(folder).Llama!;
            var formats = new (string Name, GgufExportType Gguf, LlamaWeights Weights)[]
            {
                ("f32", GgufExportTypes.Parse("f32"), float32),
                ("q8_0", GgufExportTypes.Parse("q8_0"), float32.Convert(WeightFormat.Q8_0, LlamaWeights.TableFormatFor(WeightFormat.Q8_0))),
            };
            string label = $"{name.Split(' ')[0]} {name.Split(' ')[1]} (vocab {float32.Config.VocabSize})";
            foreach (var format in formats)
            {
                string gguf = Path.Combine(folder, $"model-{format.Name}.gguf");
                if (!File.Exists(gguf)) GgufExportStage.Run(folder, gguf, format.Gguf);
                for (int pass = 1; pass <= passes; pass++)
                    foreach (int threads in threadCounts)
                    {
                        var engine = DecodeBenchmark.Run(label, format.Weights, threads, bandwidth, tokens, promptTokens);
                        var llama = LlamaBench(llamaBench, gguf, threads, promptTokens, tokens);
                        var pair = new Pair(label, format.Name, threads, pass, engine.PromptTokensPerSecond, engine.DecodeTokensPerSecond,
                            llama.PromptTokensPerSecond, llama.DecodeTokensPerSecond);
                        pairs.Add(pair);
                        Display.Info($"{label} {format.Name} {threads} thread(s), pass {pass}: prompt {Ratio(pair.EnginePrompt, pair.LlamaPrompt)}, " +
                                     $"decode {Ratio(pair.EngineDecode, pair.LlamaDecode)}");
                    }
            }
        }
        var table = new Table().AddColumns("model", "format", "threads", "pass", $"pp{promptTokens} engine", "llama.cpp", "ratio",
            $"tg{tokens} engine", "llama.cpp", "ratio");
        foreach (var p in pairs)
            table.AddRow(Markup.Escape(p.Model), p.Format, p.Threads.ToString(CultureInfo.InvariantCulture), p.Pass.ToString(CultureInfo.InvariantCulture),
                $"{p.EnginePrompt:F0}", $"{p.LlamaPrompt:F0}", $"{p.EnginePrompt / p.LlamaPrompt:F2}×", $"{p.EngineDecode:F0}", $"{p.LlamaDecode:F0}",
                $"{p.EngineDecode / p.LlamaDecode:F2}×");
        AnsiConsole.Write(table);
        Display.Info("tokens/s; ratio = engine ÷ llama.cpp (above 1: the engine is faster). Both run the same weights, one after the other.");
        return pairs;
    }

    private static string Ratio(double engine, double llama) =>
        string.Create(CultureInfo.InvariantCulture, $"{engine:F0} vs {llama:F0} tok/s ({engine / llama:F2}×)");

    /// <summary>A random model folder of the shape, written once under the temporary folder (its vocabulary is what the tokenizer reaches).</summary>
    private static string RandomFolder(Core.Models.LlamaConfig config)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"sharplm-bench-llamacpp-{config.HiddenSize}x{config.NumHiddenLayers}");
        if (!Directory.Exists(directory))
            RandomModelFolder.Write(directory, new RandomModelShape(config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads,
                config.IntermediateSize, 1024, config.VocabSize), seed: 15);
        return directory;
    }

    /// <summary>One llama-bench run: a prompt test and a generation test, repeated three times (its own warm-up first).</summary>
    private static LlamaBenchOutput.Speeds LlamaBench(string path, string gguf, int threads, int promptTokens, int tokens)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-m", gguf, "-p", promptTokens.ToString(CultureInfo.InvariantCulture), "-n", tokens.ToString(CultureInfo.InvariantCulture),
                     "-t", threads.ToString(CultureInfo.InvariantCulture), "-r", "3", "-o", "json" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new SharpLMException($"--llama-bench: '{path}' could not be started.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new SharpLMException($"--llama-bench: '{path}' exited with {process.ExitCode}: {error.Result.Trim().Split('\n').LastOrDefault()}");
        return LlamaBenchOutput.Parse(output, $"--llama-bench '{path}'");
    }
}
