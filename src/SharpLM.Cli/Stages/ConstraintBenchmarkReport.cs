using System.Diagnostics;
using SharpLM.Cli.Terminal;
using SharpLM.Inference.Constraints;
using SharpLM.Tokenizers;
using SharpLM.Tokenizers.Bpe;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench constrained`: masking time per token for JSON Schema and regex constraints over a 32k
/// vocabulary (the first 32,000 ranks of cl100k_base, a real byte-level BPE vocabulary) and the full cl100k_base.
/// </summary>
public static class ConstraintBenchmarkReport
{
    public static void Run(int runs)
    {
        var full = TokenizerSource.Load(TokenizerSource.Cl100kBase);
        var table = new Table().AddColumns("vocabulary", "trie nodes", "trie build", "scenario", "tokens", "mean µs/token", "max µs", "mean allowed");
        foreach (var tokenizer in new[] { FirstRanks(full, 32000), full })
        {
            var clock = Stopwatch.StartNew();
            var trie = new TokenTrie(tokenizer);
            double build = clock.Elapsed.TotalMilliseconds;
            foreach (var (name, create) in ConstraintBenchmark.Scenarios)
            {
                ConstraintBenchmark.Run(name, tokenizer, trie, create, 1); // warm-up: JIT and the regex DFA's lazily built states
                var result = ConstraintBenchmark.Run(name, tokenizer, trie, create, runs);
                table.AddRow($"{tokenizer.VocabularySize:N0}", $"{trie.NodeCount:N0}", $"{build:F0} ms", Markup.Escape(name), result.Tokens.ToString(),
                    $"{result.MeanMicroseconds:F0}", $"{result.MaxMicroseconds:F0}", $"{result.MeanAllowed:F0}");
            }
        }
        Display.Info("masking alone, on generations driven by seeded random logits (no model in the loop)");
        AnsiConsole.Write(table);
    }

    /// <summary>The tokenizer cut to its first <paramref name="size"/> ids (merges kept only where their result survives), with end-of-text after them.</summary>
    private static BpeTokenizer FirstRanks(BpeTokenizer source, int size)
    {
        var vocabulary = source.Vocabulary.Where(p => p.Value < size).ToDictionary(p => p.Key, p => p.Value);
        var merges = source.Merges.Where(m => vocabulary.ContainsKey(m.Left) && vocabulary.ContainsKey(m.Right) && vocabulary.ContainsKey(m.Left + m.Right)).ToList();
        var specials = new Dictionary<string, int> { [SpecialTokens.EndOfText] = size };
        return new BpeTokenizer(vocabulary, merges, specials, source.PreTokenizerPattern, $"{TokenizerSource.Cl100kBase} (first {size} ids)");
    }
}
