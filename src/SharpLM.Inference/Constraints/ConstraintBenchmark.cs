using System.Diagnostics;
using SharpLM.Inference.Constraints.Json;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Constraints;

/// <summary>One measured scenario: how long masking took per generated token, and how many tokens each step allowed.</summary>
public sealed record ConstraintBenchmarkResult(string Scenario, int Vocabulary, int Tokens, double MeanMicroseconds, double MaxMicroseconds, double MeanAllowed);

/// <summary>
/// Masking cost per token, measured on a generation driven by seeded random logits (no model in the loop,
/// so only the constraint is timed). Random logits favour free text inside strings, where most of the
/// vocabulary stays allowed and the trie walk visits the most nodes, so the figures lean to the expensive side.
/// </summary>
public static class ConstraintBenchmark
{
    public const string PersonSchema = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":40},
          "age":{"type":"integer"},
          "email":{"type":"string","maxLength":60},
          "tags":{"type":"array","items":{"enum":["admin","user","guest"]},"maxItems":5},
          "address":{"type":"object","properties":{"city":{"type":"string","maxLength":30},"zip":{"type":"string","maxLength":10}},"required":["city"]},
          "active":{"type":"boolean"}},
         "required":["name","age","active"]}
        """;

    public const string DatePattern = @"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])";
    public const string SentencePattern = @"[A-Z][a-z ,]{0,200}\.";

    public static IEnumerable<(string Name, Func<TokenTrie, ITokenConstraint> Create)> Scenarios =>
    [
        ("JSON Schema (object, strings, enum array)", trie => OutputConstraints.JsonSchema(trie, JsonSchemaParser.Parse(PersonSchema))),
        ($"regex {DatePattern}", trie => OutputConstraints.Regex(trie, DatePattern)),
        ($"regex {SentencePattern}", trie => OutputConstraints.Regex(trie, SentencePattern)),
    ];

    public static ConstraintBenchmarkResult Run(string scenario, BpeTokenizer tokenizer, TokenTrie trie, Func<TokenTrie, ITokenConstraint> create, int runs, int seed = 1)
    {
        var logits = new float[tokenizer.VocabularySize];
        var random = new Random(seed);
        var sampler = new Generation.TokenSampler(new Generation.SamplingOptions { Temperature = 1, TopK = 0, Seed = seed });
        var clock = new Stopwatch();
        double total = 0, max = 0, allowed = 0;
        int tokens = 0;
        for (int run = 0; run < runs; run++)
        {
            var constraint = create(trie);
            for (int step = 0; step < 400 && !(constraint.IsComplete && !constraint.CanContinue); step++)
            {
                for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble();
                clock.Restart();
                constraint.Mask(logits);
                double micro = clock.Elapsed.TotalMicroseconds;
                total += micro;
                max = Math.Max(max, micro);
                tokens++;
                foreach (float l in logits) if (!float.IsNegativeInfinity(l)) allowed++;
                int next = sampler.Next(logits);
                if (next == tokenizer.EndOfTextId) break;
                constraint.Advance(next);
            }
        }
        return new ConstraintBenchmarkResult(scenario, tokenizer.VocabularySize, tokens, total / tokens, max, allowed / tokens);
    }
}
