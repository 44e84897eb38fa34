using SharpLM.Core.Models;
using SharpLM.Inference.Generation;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Tests;

public class SpeculativeDecodingTests
{
    private const int Vocabulary = 8, TargetSeed = 1, DraftSeed = 2;
    private static readonly int[] Prompt = [3, 5];

    public static TheoryData<string, SamplingOptions, int> Settings => new()
    {
        { "temperature 1", new SamplingOptions { Temperature = 1, TopK = 0, Seed = 21 }, 2 },
        { "temperature 0.7, top-k 5, top-p 0.9", new SamplingOptions { Temperature = 0.7, TopK = 5, TopP = 0.9, Seed = 22 }, 2 },
        { "min-p and penalties", new SamplingOptions { Temperature = 1.2, TopK = 0, MinP = 0.1, RepetitionPenalty = 1.3, PresencePenalty = 0.4, Seed = 23 }, 3 },
        { "one draft token", new SamplingOptions { Temperature = 1, TopK = 0, Seed = 24 }, 1 },
    };

    /// <summary>The target's exact distribution over its first three tokens after the prompt, from the oracle.</summary>
    private static double[] ExactJoint(SamplingOptions options)
    {
        var joint = new double[Vocabulary * Vocabulary * Vocabulary];
        var context = new List<int>(Prompt);
        var first = ReferenceSampling.Distribution(FakeDecoderSession.LogitsAfter(context, Vocabulary, TargetSeed), context, options);
        for (int a = 0; a < Vocabulary; a++)
        {
            if (first[a] == 0) continue;
            context.Add(a);
            var second = ReferenceSampling.Distribution(FakeDecoderSession.LogitsAfter(context, Vocabulary, TargetSeed), context, options);
            for (int b = 0; b < Vocabulary; b++)
            {
                if (second[b] == 0) continue;
                context.Add(b);
                var third = ReferenceSampling.Distribution(FakeDecoderSession.LogitsAfter(context, Vocabulary, TargetSeed), context, options);
                for (int c = 0; c < Vocabulary; c++) joint[(a * Vocabulary + b) * Vocabulary + c] = first[a] * second[b] * third[c];
                context.RemoveAt(context.Count - 1);
            }
            context.RemoveAt(context.Count - 1);
        }
        return joint;
    }

    private static int Cell(IReadOnlyList<int> tokens) => (tokens[0] * Vocabulary + tokens[1]) * Vocabulary + tokens[2];

    [Theory]
    [MemberData(nameof(Settings))]
    public void Speculative_sampling_follows_the_target_distribution(string setting, SamplingOptions options, int draftTokens)
    {
        options = options with { MaxNewTokens = 3 };
        var exact = ExactJoint(options);
        const int draws = 20000;

        // One decoder for every draw: its caches are reused and rolled back between generations.
        var decoder = new SpeculativeDecoder(new FakeDecoderSession(Vocabulary, TargetSeed), new FakeDecoderSession(Vocabulary, DraftSeed), options, draftTokens);
        var speculative = new long[exact.Length];
        for (int i = 0; i < draws; i++) speculative[Cell(decoder.Generate(Prompt).Tokens)]++;
        ChiSquare.AssertFits(speculative, exact, $"speculative, {setting}");
        // Both paths of the rule ran: some draft tokens were accepted and some rejected.
        Assert.InRange(decoder.Statistics.AcceptanceRate, 0.05, 0.95);

        var plain = new long[exact.Length];
        var sampler = new TokenSampler(options);
        var target = new SessionLogitsSource(new FakeDecoderSession(Vocabulary, TargetSeed));
        for (int i = 0; i < draws; i++)
        {
            var context = new List<int>(Prompt);
            for (int t = 0; t < 3; t++) context.Add(sampler.Next(target.Next(context), context));
            plain[Cell(context.Skip(Prompt.Length).ToList())]++;
        }
        ChiSquare.AssertFits(plain, exact, $"plain, {setting}");
    }

    [Fact]
    public void A_draft_identical_to_the_target_is_always_accepted()
    {
        var options = new SamplingOptions { Temperature = 1, TopK = 0, MaxNewTokens = 20, Seed = 3 };
        var target = new FakeDecoderSession(Vocabulary, TargetSeed);
        var result = new SpeculativeDecoder(target, new FakeDecoderSession(Vocabulary, TargetSeed), options, 4).Generate(Prompt);
        Assert.Equal(20, result.Tokens.Count);
        Assert.Equal(1, result.Statistics.AcceptanceRate);
        Assert.Equal(4, result.Statistics.Rounds);          // 5 tokens per round: 4 accepted drafts and one from the target
        Assert.Equal(4 + 1, target.Passes);                 // one verification pass per round, plus prefilling the prompt but its last token
    }

    [Fact]
    public void Stops_at_the_budget_the_context_and_stop_tokens()
    {
        var options = new SamplingOptions { Temperature = 1, TopK = 0, MaxNewTokens = 100, Seed = 4 };
        var target = new FakeDecoderSession(Vocabulary, TargetSeed, maxPositions: 13);
        var draft = new FakeDecoderSession(Vocabulary, DraftSeed, maxPositions: 9); // shorter than the target: drafting stops near the end
        var full = new SpeculativeDecoder(target, draft, options, 3).Generate(Prompt);
        Assert.Equal(11, full.Tokens.Count);
        Assert.Equal(FinishReason.Length, full.Finish);

        var decoder = new SpeculativeDecoder(new FakeDecoderSession(Vocabulary, TargetSeed), new FakeDecoderSession(Vocabulary, DraftSeed), options with { MaxNewTokens = 7 }, 3);
        Assert.Equal(7, decoder.Generate(Prompt).Tokens.Count);
        var stopped = decoder.Generate(Prompt, new HashSet<int> { 0, 1, 2, 3 });
        Assert.Equal(FinishReason.Stop, stopped.Finish);
        Assert.DoesNotContain(stopped.Tokens, t => t <= 3);
    }

    [Fact]
    public void Log_probabilities_are_the_targets_at_each_position()
    {
        var options = new SamplingOptions { Temperature = 0.9, TopK = 0, MaxNewTokens = 15, Seed = 6, LogProbabilities = 2 };
        var result = new SpeculativeDecoder(new FakeDecoderSession(Vocabulary, TargetSeed), new FakeDecoderSession(Vocabulary, DraftSeed), options, 3).Generate(Prompt);
        Assert.Equal(result.Tokens.Count, result.LogProbabilities!.Count);
        var context = new List<int>(Prompt);
        for (int i = 0; i < result.Tokens.Count; i++)
        {
            var reference = ReferenceSampling.LogSoftmax(FakeDecoderSession.LogitsAfter(context, Vocabulary, TargetSeed));
            Assert.Equal(reference[result.Tokens[i]], result.LogProbabilities[i].Chosen.LogProbability, 1e-6);
            Assert.Equal(2, result.LogProbabilities[i].Top.Count);
            context.Add(result.Tokens[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Greedy_speculation_reproduces_the_targets_greedy_output_on_a_llama(int draftTokens)
    {
        // Untied embeddings: with tied ones, small random weights make every model predict its input token again.
        var targetWeights = LlamaWeights.Random(LlamaConfig.Create(96, 48, 2, 4, intermediateSize: 96, maxPositions: 64, tieEmbeddings: false), 31);
        var draftWeights = LlamaWeights.Random(LlamaConfig.Create(96, 16, 1, 2, intermediateSize: 32, maxPositions: 64, tieEmbeddings: false), 32);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 40 };
        int[] prompt = [5, 17, 2, 60];

        var plain = new TokenSampler(options);
        var reference = new LlamaSession(targetWeights, 1);
        var expected = new List<int>();
        ReadOnlySpan<float> logits = default;
        foreach (int token in prompt) logits = reference.Forward(token);
        for (int i = 0; i < options.MaxNewTokens; i++)
        {
            expected.Add(plain.Next(logits, [.. prompt, .. expected]));
            logits = reference.Forward(expected[^1]);
        }

        var decoder = new SpeculativeDecoder(new LlamaSession(targetWeights, 1), new LlamaSession(draftWeights, 1), options, draftTokens);
        var result = decoder.Generate(prompt);
        Assert.Equal(expected, result.Tokens);
        Assert.True(result.Statistics.AcceptanceRate < 1); // the draft is another model: some proposals were rejected
        Assert.Equal(expected, decoder.Generate(prompt).Tokens); // again, on the caches left by the first run
    }

    [Fact]
    public void Speculative_text_equals_plain_text_when_greedy()
    {
        var tokenizer = BpeTrainer.Train(["abc abd abe"], new BpeTrainerOptions { VocabularySize = 262 });
        int vocabulary = tokenizer.VocabularySize;
        var prompt = tokenizer.Encode("ab");
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 30, StopAtEndOfText = false };
        var expected = TextGenerator.Generate(new SessionLogitsSource(new FakeDecoderSession(vocabulary, 9, maxPositions: 128)), tokenizer, prompt, options);
        var streamed = new List<string>();
        var decoder = new SpeculativeDecoder(new FakeDecoderSession(vocabulary, 9, maxPositions: 128), new FakeDecoderSession(vocabulary, 10, maxPositions: 128), options, 3);
        var (result, statistics) = SpeculativeTextGenerator.Generate(decoder, tokenizer, prompt, streamed.Add);
        Assert.Equal(expected.Tokens, result.Tokens);
        Assert.Equal(expected.Text, result.Text);
        Assert.Equal(result.Text, string.Concat(streamed));
        Assert.Equal(30, statistics.GeneratedTokens);

        // A stop sequence cut out of the middle of the text ends generation there, as in plain generation.
        string stop = expected.Text.Substring(10, 3);
        var cutOptions = options with { StopSequences = [stop] };
        var plainCut = TextGenerator.Generate(new SessionLogitsSource(new FakeDecoderSession(vocabulary, 9, maxPositions: 128)), tokenizer, prompt, cutOptions);
        var speculativeCut = SpeculativeTextGenerator.Generate(
            new SpeculativeDecoder(new FakeDecoderSession(vocabulary, 9, maxPositions: 128), new FakeDecoderSession(vocabulary, 10, maxPositions: 128), cutOptions, 3),
            tokenizer, prompt).Result;
        Assert.Equal(plainCut.Text, speculativeCut.Text);
        Assert.Equal(FinishReason.Stop, speculativeCut.Finish);
    }

    [Fact]
    public void Mismatched_vocabularies_and_empty_prompts_are_refused()
    {
        var options = new SamplingOptions();
        Assert.Throws<Core.SharpLMException>(() => new SpeculativeDecoder(new FakeDecoderSession(8, 1), new FakeDecoderSession(9, 1), options, 2));
        Assert.Throws<Core.SharpLMException>(() => new SpeculativeDecoder(new FakeDecoderSession(8, 1), new FakeDecoderSession(8, 2), options, 0));
        Assert.Throws<Core.SharpLMException>(() => new SpeculativeDecoder(new FakeDecoderSession(8, 1), new FakeDecoderSession(8, 2), options, 2).Generate([]));
    }
}
