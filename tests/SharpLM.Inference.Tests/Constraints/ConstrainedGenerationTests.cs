using System.Text.Json;
using SharpLM.Core;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Constraints.Json;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;
using DotNetRegex = System.Text.RegularExpressions.Regex;
using DotNetOptions = System.Text.RegularExpressions.RegexOptions;

namespace SharpLM.Inference.Tests.Constraints;

public class ConstrainedGenerationTests
{
    /// <summary>A small byte-level BPE trained on JSON-like and non-ASCII text, so tokens span structure, words and partial UTF-8.</summary>
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 600 });
    private static readonly TokenTrie Trie = new(Tokenizer);

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(5);
        for (int i = 0; i < 150; i++)
            yield return (RandomSchema.Instance(RandomSchema.Schema(random), random)?.ToJsonString(RandomSchema.Compact) ?? "null") + " café 名前 😀 abc 123";
    }

    /// <summary>A stand-in model: seeded random logits, with end-of-text nudged up so unbounded patterns end soon.</summary>
    private sealed class RandomLogitsModel(int vocabulary, int seed, int? endOfText) : ILogitsSource
    {
        private readonly Random _random = new(seed);
        private readonly float[] _logits = new float[vocabulary];
        public int MaxContext => 100_000;

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            for (int i = 0; i < _logits.Length; i++) _logits[i] = (float)(_random.NextDouble() * 4);
            if (endOfText is int end) _logits[end] += 3;
            return _logits;
        }
    }

    private static GenerationResult Generate(ITokenConstraint constraint, int seed, int maxTokens = 4000, double temperature = 1) =>
        TextGenerator.Generate(new RandomLogitsModel(Tokenizer.VocabularySize, seed, Tokenizer.EndOfTextId), Tokenizer, [Tokenizer.EndOfTextId!.Value],
            new SamplingOptions { Temperature = temperature, TopK = 0, MaxNewTokens = maxTokens, Seed = seed }, constraint: constraint);

    private static readonly JsonSchemaLimits SmallLimits = new() { MaxStringLength = 8, MaxWhitespace = 2, MaxArrayItems = 4, MaxIntegerDigits = 4, MaxFractionDigits = 3 };

    [Fact]
    public void Every_output_for_random_schemas_parses_and_validates()
    {
        var random = new Random(11);
        for (int s = 0; s < 60; s++)
        {
            string schemaText = RandomSchema.Schema(random).ToJsonString();
            var result = Generate(OutputConstraints.JsonSchema(Trie, JsonSchemaParser.Parse(schemaText), SmallLimits), seed: s, temperature: s % 3 == 0 ? 0 : 1);
            Assert.True(result.Finish == FinishReason.Stop, $"schema {schemaText}: ran out of tokens with {result.Text}");
            using var schema = JsonDocument.Parse(schemaText);
            using var document = JsonDocument.Parse(result.Text);
            Assert.True(SchemaValidator.Problem(schema.RootElement, document.RootElement) is null,
                $"schema {schemaText} produced {result.Text}: {SchemaValidator.Problem(schema.RootElement, document.RootElement)}");
        }
    }

    [Fact]
    public void Every_output_for_anyOf_over_random_schemas_validates_against_one_alternative()
    {
        var random = new Random(13);
        for (int s = 0; s < 25; s++)
        {
            var alternatives = new System.Text.Json.Nodes.JsonArray();
            for (int a = random.Next(2, 4); a > 0; a--) alternatives.Add(RandomSchema.Schema(random, depth: 2));
            string schemaText = new System.Text.Json.Nodes.JsonObject { ["anyOf"] = alternatives }.ToJsonString();
            var result = Generate(OutputConstraints.JsonSchema(Trie, JsonSchemaParser.Parse(schemaText), SmallLimits), seed: s, temperature: s % 3 == 0 ? 0 : 1);
            Assert.True(result.Finish == FinishReason.Stop, $"schema {schemaText}: ran out of tokens with {result.Text}");
            using var schema = JsonDocument.Parse(schemaText);
            using var document = JsonDocument.Parse(result.Text);
            Assert.True(SchemaValidator.Problem(schema.RootElement, document.RootElement) is null,
                $"schema {schemaText} produced {result.Text}: {SchemaValidator.Problem(schema.RootElement, document.RootElement)}");
        }
    }

    /// <summary>
    /// Regular expressions may allow unbounded text, so a random model is not sure to reach a match within the
    /// budget; a run cut short must still be a viable prefix, and most runs must finish.
    /// </summary>
    [Fact]
    public void Every_output_for_random_regexes_matches()
    {
        var random = new Random(12);
        int finished = 0;
        const int Patterns = 80;
        for (int p = 0; p < Patterns; p++)
        {
            string pattern = RandomRegex.Pattern(random);
            var automaton = new Inference.Constraints.Regex.RegexAutomaton(pattern);
            var result = Generate(OutputConstraints.Regex(Trie, pattern), seed: p, maxTokens: 200);
            if (result.Finish == FinishReason.Length)
            {
                Assert.True(automaton.IsViablePrefix(result.Text), $"/{pattern}/: cut short at a dead prefix \"{result.Text}\"");
                continue;
            }
            finished++;
            Assert.True(new DotNetRegex($"^(?:{pattern})\\z", DotNetOptions.ECMAScript).IsMatch(result.Text), $"/{pattern}/ produced \"{result.Text}\"");
        }
        Assert.True(finished >= Patterns * 9 / 10, $"only {finished} of {Patterns} runs finished");
    }

    /// <summary>The trie walk must allow exactly the tokens that, appended one at a time, keep the output completable.</summary>
    [Fact]
    public void Masking_allows_exactly_the_tokens_that_keep_the_output_viable()
    {
        const string schema = """{"type":"object","properties":{"名前":{"type":"string"},"n":{"enum":[1,12,"é"]}},"required":["n"]}""";
        var node = JsonSchemaParser.Parse(schema);
        var result = Generate(OutputConstraints.JsonSchema(Trie, node, SmallLimits), seed: 3);
        var tokens = result.Tokens;
        for (int step = 0; step <= tokens.Count; step += Math.Max(1, tokens.Count / 6))
        {
            var constraint = OutputConstraints.JsonSchema(Trie, node, SmallLimits);
            foreach (int token in tokens.Take(step)) constraint.Advance(token);
            var logits = new float[Tokenizer.VocabularySize];
            constraint.Mask(logits);
            for (int token = 0; token < Tokenizer.VocabularySize; token++)
            {
                var probe = OutputConstraints.JsonSchema(Trie, node, SmallLimits);
                foreach (int earlier in tokens.Take(step)) probe.Advance(earlier);
                bool viable = token == Tokenizer.EndOfTextId ? probe.IsComplete : Tries(() => probe.Advance(token));
                if (viable == float.IsNegativeInfinity(logits[token])) Assert.Fail($"step {step}, token {token}: viable {viable} but the mask says otherwise");
            }
        }
    }

    private static bool Tries(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (SharpLMException)
        {
            return false;
        }
    }

    [Fact]
    public void Tokens_ending_inside_a_character_are_allowed_only_if_the_character_can_be_finished()
    {
        // The byte-level token holding only 0xC3, the lead byte of é (U+00E9) and of the other code points U+00C0..U+00FF.
        int lead = Trie.TokenBytes.Select((bytes, id) => (bytes, id)).Single(t => t.bytes is [0xC3]).id;
        var onlyE = OutputConstraints.Regex(Trie, "é");
        var logits = new float[Tokenizer.VocabularySize];
        onlyE.Mask(logits);
        Assert.False(float.IsNegativeInfinity(logits[lead]));
        var onlyA = OutputConstraints.Regex(Trie, "a");
        logits = new float[Tokenizer.VocabularySize];
        onlyA.Mask(logits);
        Assert.True(float.IsNegativeInfinity(logits[lead]));
    }

    /// <summary>Masked logits (−∞) must never be drawn, however top-k, top-p and rounding fall.</summary>
    [Fact]
    public void The_sampler_never_draws_a_masked_token()
    {
        var random = new Random(4);
        var logits = new float[300];
        for (int trial = 0; trial < 300; trial++)
        {
            Array.Fill(logits, float.NegativeInfinity);
            int allowed = random.Next(1, 4);
            var open = Enumerable.Range(0, allowed).Select(_ => random.Next(logits.Length)).ToHashSet();
            foreach (int token in open) logits[token] = (float)(random.NextDouble() * 50 - 25);
            var sampler = new TokenSampler(new SamplingOptions { Temperature = 0.1 + random.NextDouble() * 3, TopK = random.Next(0, 60), TopP = 0.5 + random.NextDouble() / 2, Seed = trial });
            for (int draw = 0; draw < 50; draw++) Assert.Contains(sampler.Next(logits), open);
        }
    }

    [Fact]
    public void A_complete_output_that_cannot_grow_ends_generation_and_a_short_budget_reports_length()
    {
        var fixedText = Generate(OutputConstraints.Regex(Trie, "abc|abd"), seed: 1, temperature: 0);
        Assert.Equal(FinishReason.Stop, fixedText.Finish);
        Assert.Contains(fixedText.Text, new[] { "abc", "abd" });

        var exact = Generate(OutputConstraints.Regex(Trie, "abc"), seed: 1, maxTokens: 3);
        Assert.Equal(("abc", FinishReason.Stop), (exact.Text, exact.Finish)); // the budget ended exactly at the end of the match

        var schema = JsonSchemaParser.Parse("""{"type":"object","properties":{"a":{"type":"string","minLength":20}},"required":["a"]}""");
        var cut = Generate(OutputConstraints.JsonSchema(Trie, schema), seed: 2, maxTokens: 5);
        Assert.Equal(FinishReason.Length, cut.Finish);
        Assert.True(JsonMatcher.IsViablePrefix(JsonMatcher.Start(schema), cut.Text));
        Assert.False(JsonMatcher.Accepts(JsonMatcher.Start(schema), cut.Text));
    }
}
