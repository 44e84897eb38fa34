using SharpLM.Core.Models;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Evaluation.Tests;

public class EngineEvaluationModelTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });
    private static readonly LlamaWeights Weights = LlamaWeights.Random(
        LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 32, layers: 2, heads: 4, maxPositions: 24), seed: 3);

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["the", "ship", "sails", "Ahab", "watches", "sea", "whale", "harpoon", "deck", "mast", "blue", "red"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)]));
    }

    private static EngineEvaluationModel NewModel() => new(new LlamaSession(Weights, 1), Tokenizer, "tiny");

    /// <summary>The reference: a fresh session fed one token at a time, log-softmax summed over the continuation.</summary>
    private static (double Sum, bool Greedy) TokenByToken(List<int> context, List<int> continuation)
    {
        var session = new LlamaSession(Weights, 1);
        var all = context.Concat(continuation).ToList();
        double sum = 0;
        bool greedy = true;
        for (int i = 0; i < all.Count - 1; i++)
        {
            var logits = session.Forward(all[i]);
            if (i < context.Count - 1) continue;
            int token = all[i + 1];
            double max = double.NegativeInfinity;
            int argmax = 0;
            for (int v = 0; v < logits.Length; v++) if (logits[v] > max) { max = logits[v]; argmax = v; }
            double total = 0;
            for (int v = 0; v < logits.Length; v++) total += Math.Exp(logits[v] - max);
            sum += logits[token] - max - Math.Log(total);
            greedy &= argmax == token;
        }
        return (sum, greedy);
    }

    [Fact]
    public void LoglikelihoodEqualsTokenByTokenLogSoftmax()
    {
        var model = NewModel();
        foreach (string continuation in new[] { " whale", " red harpoon", " the sea" })
        {
            var result = model.Loglikelihood(new LoglikelihoodRequest("Ahab watches the", continuation));
            var (context, tokens) = model.EncodePair("Ahab watches the", continuation);
            var (expected, greedy) = TokenByToken(context, tokens);
            Assert.Equal(expected, result.LogLikelihood, 1e-4);
            Assert.Equal(greedy, result.IsGreedy);
        }
    }

    [Fact]
    public void ChoicesSharingAContextReuseItsCache()
    {
        var shared = NewModel();
        string context = "the ship sails the sea and Ahab watches the";
        var choices = new[] { " whale", " mast", " deck" };
        var reused = choices.Select(c => shared.Loglikelihood(new LoglikelihoodRequest(context, c)).LogLikelihood).ToList();
        var fresh = choices.Select(c => NewModel().Loglikelihood(new LoglikelihoodRequest(context, c)).LogLikelihood).ToList();
        for (int i = 0; i < choices.Length; i++) Assert.Equal(fresh[i], reused[i], 1e-5);
        int contextTokens = shared.EncodePair(context, " whale").Context.Count;
        Assert.True(shared.TokensComputed < choices.Length * contextTokens, $"{shared.TokensComputed} tokens computed");
    }

    [Fact]
    public void WithoutCacheReuseEveryRequestIsComputedWholeAndScoresTheSame()
    {
        var shared = NewModel();
        var alone = new EngineEvaluationModel(new LlamaSession(Weights, 1), Tokenizer, "tiny", reuseCache: false);
        string context = "the ship sails the sea and Ahab watches the";
        var choices = new[] { " whale", " mast", " deck" };
        foreach (string choice in choices)
            Assert.Equal(shared.Loglikelihood(new LoglikelihoodRequest(context, choice)).LogLikelihood,
                alone.Loglikelihood(new LoglikelihoodRequest(context, choice)).LogLikelihood, 1e-5);
        // Without reuse each request feeds its context and all but its last continuation token.
        long whole = choices.Sum(c => (long)alone.EncodePair(context, c).Context.Count + alone.EncodePair(context, c).Continuation.Count - 1);
        Assert.Equal(whole, alone.TokensComputed);
        Assert.True(shared.TokensComputed < whole, $"{shared.TokensComputed} tokens computed with reuse, {whole} without");
    }

    [Fact]
    public void TrailingContextSpaceMovesToTheContinuation()
    {
        var model = NewModel();
        var (context, continuation) = model.EncodePair("Ahab watches ", "the");
        Assert.Equal(Tokenizer.Encode("Ahab watches"), context);
        Assert.Equal(Tokenizer.Encode("Ahab watches the").Skip(context.Count), continuation);
    }

    [Fact]
    public void RollingWithinOneWindowScoresEveryTokenAfterEndOfText()
    {
        var model = NewModel();
        string text = "the whale sails";
        var tokens = Tokenizer.Encode(text);
        var (expected, _) = TokenByToken([Tokenizer.EndOfTextId!.Value], tokens);
        Assert.Equal(expected, model.LoglikelihoodRolling(text), 1e-4);
    }

    [Fact]
    public void RollingOverSeveralWindowsScoresEachTokenOnce()
    {
        var model = NewModel();
        string text = string.Join(" ", Enumerable.Repeat("the ship sails the sea", 12));
        var tokens = Tokenizer.Encode(text);
        Assert.True(tokens.Count > 2 * 24);
        // Independent reference: token j is scored with the context lm-eval's windows give it.
        double expected = 0;
        int window = 24, first = Math.Min(window, tokens.Count);
        expected += TokenByToken([Tokenizer.EndOfTextId!.Value], tokens.GetRange(0, first)).Sum;
        for (int predicted = first; predicted < tokens.Count;)
        {
            int count = Math.Min(tokens.Count - predicted, window), end = predicted + count;
            var context = tokens.GetRange(end - window - 1, window - count + 1);
            expected += TokenByToken(context, tokens.GetRange(end - count, count)).Sum;
            predicted = end;
        }
        Assert.Equal(expected, model.LoglikelihoodRolling(text), 1e-3);
    }

    [Fact]
    public void GenerationGoesThroughTheGenerationCoreAndStopsAtUntil()
    {
        var model = NewModel();
        string text = model.Generate(new GenerationRequest("the ship", ["sea"], 12, false, 0));
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 12, StopSequences = ["sea"] };
        string direct = TextGenerator.Generate(new SessionLogitsSource(new LlamaSession(Weights, 1)), Tokenizer, "the ship", options);
        int cut = direct.IndexOf("sea", StringComparison.Ordinal);
        Assert.Equal(cut >= 0 ? direct[..cut] : direct, text);
        Assert.DoesNotContain("sea", text);
    }
}
