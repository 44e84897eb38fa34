using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Evaluation;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm export --quantize`: a model folder rewritten with bf16, Q8_0 or Q4 matrices (docs/formats.md) for the
/// C# engine, with the other files (tokenizer, generation config) copied; optionally the engine's validation
/// perplexity before and after, on the same windows.
/// </summary>
public static class QuantizeStage
{
    public static void Run(string modelDirectory, string outputDirectory, WeightFormat format, string? validation, long maxTokens, int? context, int threads)
    {
        var folder = ModelFolder.Open(modelDirectory);
        if (Path.GetFullPath(modelDirectory).TrimEnd('/') == Path.GetFullPath(outputDirectory).TrimEnd('/'))
            throw new SharpLMException($"{outputDirectory}: the output folder must differ from the model folder.");
        var original = LlamaWeights.Load(folder);
        // Checked before anything is written: a bad --context or --max-tokens would otherwise fail after the export.
        int window = validation is null ? 0 : PerplexityWindow.Resolve(context, maxTokens, original.Config.MaxPositionEmbeddings);
        var tableFormat = LlamaWeights.TableFormatFor(format);
        var quantized = original.Convert(format, tableFormat);
        ModelFolder.Write(outputDirectory, staging =>
        {
            QuantizedModelWriter.Write(quantized, staging, format);
            ModelFolder.CopyCompanionFiles(modelDirectory, staging);
        });
        long before = original.NamedMatrices().Sum(m => m.Matrix.ByteCount), after = quantized.NamedMatrices().Sum(m => m.Matrix.ByteCount);
        Display.Info($"wrote {outputDirectory}: {format.Name()} matrices (embeddings/output {tableFormat.Name()}), {before / 1e6:F1} MB → {after / 1e6:F1} MB of weights in memory");

        if (validation is null) return;
        using var shard = new TokenShardReader(validation);
        var reference = EnginePerplexity.Evaluate(original, shard, window, maxTokens, threads);
        var reloaded = EnginePerplexity.Evaluate(LlamaWeights.Load(outputDirectory), shard, window, maxTokens, threads);
        Console.WriteLine($"validation perplexity over {reference.Tokens:N0} tokens (windows of {window}): " +
                          $"original {reference.Perplexity:F3}, {format.Name()} {reloaded.Perplexity:F3} " +
                          $"({Math.Round(100 * (reloaded.Perplexity / reference.Perplexity - 1), 2):+0.00;-0.00;0.00}%)");
    }
}
