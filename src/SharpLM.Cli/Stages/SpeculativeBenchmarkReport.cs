using SharpLM.Cli.Terminal;
using SharpLM.Core.Models;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.HuggingFace;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench speculative`: speculative decoding against plain decoding of the same target. On random
/// weights (always measured) the draft is the target itself (every token accepted: the ceiling, showing the
/// method's overhead) or a much smaller random model (acceptance means nothing there). On a trained model
/// (given, or the quickstart's) the drafts are the model itself and its first layers.
/// </summary>
public static class SpeculativeBenchmarkReport
{
    public const string QuickstartModel = "runs/quickstart/model";

    public static void Run(string? modelDirectory, int tokens, IReadOnlyList<int> draftTokens, SamplingOptions options, int repeats)
    {
        options = options with { MaxNewTokens = tokens, StopAtEndOfText = false };
        int threads = Environment.ProcessorCount;
        Display.Info($"{tokens} tokens per generation, temperature {options.Temperature}, top-k {options.TopK}, {threads} threads, best of {repeats}");

        // Untied embeddings: with tied ones, small random weights make every model predict its input token again, and any draft agrees.
        var randomTarget = LlamaWeights.Random(LlamaConfig.Create(32000, 288, 6, 6, intermediateSize: 768, maxPositions: 512, tieEmbeddings: false), 1);
        var smallDraft = LlamaWeights.Random(LlamaConfig.Create(32000, 64, 2, 2, intermediateSize: 172, maxPositions: 512, tieEmbeddings: false), 2);
        Measure("random llama 15M shape (dim 288, 6 layers, vocab 32000, untied)", randomTarget, [1, 2, 3, 4, 5, 6, 7, 8],
            [("itself (acceptance ceiling)", randomTarget), ("random dim 64, 2 layers", smallDraft)], tokens, draftTokens, options, threads, repeats);

        string? trained = modelDirectory ?? (Directory.Exists(QuickstartModel) ? QuickstartModel : null);
        if (trained is null)
        {
            Display.Info($"no trained model (--model, or {QuickstartModel} after `sharplm quickstart`): trained-draft rows skipped");
            return;
        }
        var folder = Core.Models.Folder.ModelFolder.Open(trained);
        var weights = LlamaWeights.Load(folder);
        var tokenizer = TokenizerJson.Load(folder.TokenizerPath);
        var prompt = tokenizer.Encode("The whale");
        var drafts = new List<(string, LlamaWeights)> { ("itself (acceptance ceiling)", weights) };
        for (int layers = 1; layers < weights.Layers.Length; layers++) drafts.Add(($"its first {layers} of {weights.Layers.Length} layers", weights.FirstLayers(layers)));
        Measure($"{trained} (dim {weights.Config.HiddenSize}, {weights.Layers.Length} layers, vocab {weights.Config.VocabSize})", weights, prompt,
            drafts, Math.Min(tokens, weights.Config.MaxPositionEmbeddings - prompt.Count), draftTokens, options, threads, repeats);
    }

    private static void Measure(string name, LlamaWeights target, IReadOnlyList<int> prompt, IReadOnlyList<(string Name, LlamaWeights Weights)> drafts,
        int tokens, IReadOnlyList<int> draftTokens, SamplingOptions options, int threads, int repeats)
    {
        options = options with { MaxNewTokens = tokens };
        Display.Heading(name);
        double plain = SpeculativeBenchmark.Plain(target, prompt, options, threads, repeats);
        var table = new Table().AddColumns("draft", "k", "tokens/s", "plain tokens/s", "speed-up", "acceptance", "tokens per target pass");
        table.AddRow("none (plain decoding)", "-", $"{plain:F1}", $"{plain:F1}", "1.00×", "-", "1.00");
        foreach (var (draftName, draft) in drafts)
            foreach (int k in draftTokens)
            {
                var (tokensPerSecond, statistics) = SpeculativeBenchmark.Speculative(target, draft, k, prompt, options, threads, repeats);
                table.AddRow(draftName, k.ToString(), $"{tokensPerSecond:F1}", $"{plain:F1}", $"{tokensPerSecond / plain:F2}×",
                    $"{100 * statistics.AcceptanceRate:F1}%", $"{statistics.TokensPerRound:F2}");
            }
        AnsiConsole.Write(table);
    }
}
