using System.Diagnostics;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Inference;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench eval`: multiple-choice log-likelihood requests per second on the engine, with the context's cache
/// shared by a question's choices (as `eval run` does) and without it (every request computed from its first token),
/// on a trained model folder and on random-weight Llama shapes fed with that folder's tokenizer. Requests come in
/// lm-eval's order, a question's choices one after another; the log-likelihoods of both ways must agree.
/// </summary>
public static class EvalBenchmarkReport
{
    // Common words, so contexts tokenize like ordinary prose in any English tokenizer.
    private static readonly string[] Words =
    [
        "the", "people", "of", "this", "nation", "have", "made", "great", "progress", "in", "the", "year", "and", "we", "must",
        "work", "together", "for", "a", "better", "future", "our", "country", "is", "strong", "because", "its", "citizens",
        "believe", "in", "freedom", "peace", "trade", "with", "other", "nations", "has", "grown", "while", "congress", "will",
        "consider", "new", "laws", "to", "protect", "families", "schools", "farms", "and", "workers", "across", "every", "state",
    ];

    public static void Run(string modelDirectory, IReadOnlyList<string> shapes, int questions, int contextWords, int choiceWords, int threads)
    {
        var (session, tokenizer) = ModelLoader.OpenEngine(modelDirectory, threads);
        var requests = Requests(questions, contextWords, choiceWords);
        var table = new Table().AddColumns("model", "cache across choices", "requests", "seconds", "requests/s", "tokens computed", "tokens/s", "speed-up");
        Measure(table, Path.GetFileName(Path.GetFullPath(modelDirectory).TrimEnd('/')), () => session, tokenizer, requests);
        foreach (string shape in shapes)
        {
            var (name, config) = DecodeBenchmark.StandardShapes.FirstOrDefault(s => s.Name.Contains(shape, StringComparison.OrdinalIgnoreCase));
            if (name is null) throw new SharpLMException($"--shape: no shape '{shape}'; known: {string.Join(", ", DecodeBenchmark.StandardShapes.Select(s => s.Name))}.");
            if (tokenizer.VocabularySize > config.VocabSize)
                throw new SharpLMException($"--model: its tokenizer has {tokenizer.VocabularySize} tokens, more than the {config.VocabSize} of shape '{shape}'.");
            var weights = LlamaWeights.Random(config, 1);
            Measure(table, name, () => new LlamaSession(weights, threads), tokenizer, requests);
        }
        AnsiConsole.Write(table);
    }

    private static void Measure(Table table, string name, Func<IDecoderSession> open, BpeTokenizer tokenizer, IReadOnlyList<LoglikelihoodRequest> requests)
    {
        // Two rounds, alternating, best of each: the first pass over a model also pays for JIT tiering.
        var sharedModel = new EngineEvaluationModel(open(), tokenizer, name, reuseCache: true);
        var aloneModel = new EngineEvaluationModel(open(), tokenizer, name, reuseCache: false);
        var (shared, alone) = (Time(sharedModel, requests), Time(aloneModel, requests));
        var (sharedAgain, aloneAgain) = (Time(sharedModel, requests), Time(aloneModel, requests));
        if (sharedAgain.Seconds < shared.Seconds) shared = sharedAgain;
        if (aloneAgain.Seconds < alone.Seconds) alone = aloneAgain;
        double difference = shared.Values.Zip(alone.Values, (a, b) => Math.Abs(a - b)).Max();
        // Summation order differs between one long forward and several short ones, so only rounding may separate them.
        if (difference > 1e-3) throw new InvalidOperationException($"{name}: log-likelihoods with and without the shared cache differ by {difference}.");
        foreach (var (label, run) in new[] { ("yes", shared), ("no", alone) })
            table.AddRow(Markup.Escape(name), label, requests.Count.ToString(), $"{run.Seconds:F2}", $"{requests.Count / run.Seconds:F1}",
                run.Tokens.ToString(), $"{run.Tokens / run.Seconds:F0}", label == "yes" ? $"{alone.Seconds / shared.Seconds:F2}×" : "");
    }

    private static (double Seconds, long Tokens, List<double> Values) Time(EngineEvaluationModel model, IReadOnlyList<LoglikelihoodRequest> requests)
    {
        model.Loglikelihood(requests[0]); // warm-up: JIT and caches
        long before = model.TokensComputed;
        var clock = Stopwatch.StartNew();
        var values = requests.Select(r => model.Loglikelihood(r).LogLikelihood).ToList();
        return (clock.Elapsed.TotalSeconds, model.TokensComputed - before, values);
    }

    /// <summary>Seeded questions of <paramref name="contextWords"/> words, each with four continuations of <paramref name="choiceWords"/> words.</summary>
    private static List<LoglikelihoodRequest> Requests(int questions, int contextWords, int choiceWords)
    {
        var random = new Random(1234);
        string Text(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
        var requests = new List<LoglikelihoodRequest>();
        for (int q = 0; q < questions; q++)
        {
            string context = Text(contextWords) + ".";
            for (int c = 0; c < 4; c++) requests.Add(new LoglikelihoodRequest(context, " " + Text(choiceWords)));
        }
        return requests;
    }
}
