using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Tests;

public class LogProbabilityTests
{
    [Fact]
    public void Log_probabilities_are_the_log_softmax_of_the_raw_logits()
    {
        var random = new Random(4);
        var logits = Enumerable.Range(0, 300).Select(_ => (float)(random.NextDouble() * 40 - 20)).ToArray();
        logits[10] = logits[20] = 30; // a tie at the top: the lower id comes first
        var reference = ReferenceSampling.LogSoftmax(logits);
        var result = TokenLogProbabilities.Compute(logits, 123, 5);

        Assert.Equal(123, result.Chosen.Token);
        Assert.Equal(reference[123], result.Chosen.LogProbability, 9);
        var expectedTop = reference.Select((l, i) => (l, i)).OrderByDescending(p => p.l).ThenBy(p => p.i).Take(5).ToArray();
        Assert.Equal(expectedTop.Select(p => p.i), result.Top.Select(t => t.Token));
        Assert.Equal(new[] { 10, 20 }, result.Top.Take(2).Select(t => t.Token));
        foreach (var (entry, (logProbability, _)) in result.Top.Zip(expectedTop)) Assert.Equal(logProbability, entry.LogProbability, 9);
        double total = Enumerable.Range(0, logits.Length).Sum(t => Math.Exp(TokenLogProbabilities.Compute(logits, t, 0).Chosen.LogProbability));
        Assert.Equal(1, total, 9);
    }

    [Fact]
    public void Large_logits_do_not_overflow()
    {
        float[] logits = [1000f, 999f, -1000f];
        var result = TokenLogProbabilities.Compute(logits, 1, 3);
        Assert.Equal(-1 - Math.Log(1 + Math.Exp(-1)), result.Chosen.LogProbability, 9);
        Assert.Equal(3, result.Top.Count);
        Assert.True(double.IsFinite(result.Top[2].LogProbability));
    }

    [Fact]
    public void Generation_reports_the_model_distribution_whatever_the_sampling_settings()
    {
        var tokenizer = BpeTrainer.Train(["abc abd abe"], new BpeTrainerOptions { VocabularySize = 262 });
        int vocabulary = tokenizer.VocabularySize;
        var prompt = tokenizer.Encode("ab");
        var options = new SamplingOptions { Temperature = 0.7, TopK = 3, RepetitionPenalty = 1.4, MaxNewTokens = 12, Seed = 2, LogProbabilities = 4, StopAtEndOfText = false };
        var result = TextGenerator.Generate(new SessionLogitsSource(new FakeDecoderSession(vocabulary, seed: 7, maxPositions: 128)), tokenizer, prompt, options);

        Assert.Equal(12, result.Tokens.Count);
        Assert.Equal(result.Tokens.Count, result.LogProbabilities!.Count);
        var context = new List<int>(prompt);
        for (int i = 0; i < result.Tokens.Count; i++)
        {
            var reference = ReferenceSampling.LogSoftmax(FakeDecoderSession.LogitsAfter(context, vocabulary, 7));
            var entry = result.LogProbabilities[i];
            Assert.Equal(result.Tokens[i], entry.Chosen.Token);
            Assert.Equal(reference[result.Tokens[i]], entry.Chosen.LogProbability, 1e-6);
            Assert.Equal(4, entry.Top.Count);
            Assert.Equal(reference.Max(), entry.Top[0].LogProbability, 1e-6);
            context.Add(result.Tokens[i]);
        }
        var without = TextGenerator.Generate(new SessionLogitsSource(new FakeDecoderSession(vocabulary, seed: 7, maxPositions: 128)), tokenizer, prompt,
            options with { LogProbabilities = null });
        Assert.Null(without.LogProbabilities);
        Assert.Equal(result.Tokens, without.Tokens); // reporting does not change what is sampled
    }

    [Fact]
    public void A_negative_count_is_refused()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => new SamplingOptions { LogProbabilities = -1 }.Validate());
        Assert.Contains("log-probabilities", error.Message);
    }
}
