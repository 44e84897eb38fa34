using SharpLM.Inference.Constraints;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Tests;

public class GenerationSequenceTests
{
    // Multi-byte characters in the corpus give tokens that hold parts of characters.
    // The corpus has enough distinct pairs for every merge, so every id decodes.
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["café", "naïve", "名前", "😀", "end", "stop", "the", "ship", "sails", "Ahab", "watches", "sea", "whale", "harpoon", "deck", "mast"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)]) .Select(w => random.Next(3) == 0 ? w.ToUpperInvariant() : w));
    }

    /// <summary>A model that predicts a fixed script of tokens, one per call.</summary>
    private sealed class ScriptedModel(IReadOnlyList<int> script, int vocabulary, int maxContext = 4096) : ILogitsSource
    {
        private readonly float[] _logits = new float[vocabulary];
        private int _calls;
        public int MaxContext => maxContext;

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            Array.Clear(_logits);
            _logits[script[Math.Min(_calls++, script.Count - 1)]] = 10;
            return _logits;
        }
    }

    private static int[] RandomTokens(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => random.Next(Tokenizer.VocabularySize)).Where(id => id != Tokenizer.EndOfTextId).ToArray();

    [Fact]
    public void Every_id_of_the_test_tokenizer_decodes()
    {
        for (int id = 0; id < Tokenizer.VocabularySize; id++) Tokenizer.Decode([id]);
    }

    [Fact]
    public void Incremental_text_equals_decoding_all_tokens_at_once()
    {
        var random = new Random(1);
        for (int trial = 0; trial < 300; trial++)
        {
            int[] tokens = RandomTokens(random, random.Next(0, 40)); // random ids: split and invalid UTF-8 included
            var detokenizer = new IncrementalDetokenizer(Tokenizer);
            int grown = 0;
            foreach (int token in tokens) grown += detokenizer.Append(token);
            grown += detokenizer.Flush();
            string expected = Tokenizer.Decode(tokens);
            Assert.Equal(expected, detokenizer.Text.ToString());
            Assert.Equal(expected.Length, grown);
        }
    }

    /// <summary>The rule as first written: decode the whole output after every token and cut at the earliest stop string.</summary>
    private static (string Text, int Tokens) Reference(IReadOnlyList<int> script, IReadOnlyList<string> stops)
    {
        for (int n = 1; n <= script.Count; n++)
        {
            string text = Tokenizer.Decode(script.Take(n));
            int cut = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            if (cut >= 0) return (text[..cut], n);
        }
        return (Tokenizer.Decode(script), script.Count);
    }

    [Fact]
    public void Stop_strings_found_in_the_tail_cut_where_a_full_search_cuts_and_streaming_never_shows_them()
    {
        var random = new Random(2);
        for (int trial = 0; trial < 200; trial++)
        {
            int[] script = RandomTokens(random, 30);
            string full = Tokenizer.Decode(script);
            // Stop strings taken from the output itself (so they do occur, often across token boundaries), and one that never does.
            var stops = Enumerable.Range(0, random.Next(1, 3)).Select(_ =>
            {
                int start = random.Next(full.Length - 4), length = random.Next(1, 5);
                return full.Substring(start, length);
            }).Where(s => !char.IsSurrogate(s[0]) && !char.IsSurrogate(s[^1]))
                // A whole-text decode shows half a character as U+FFFD, so the reference would stop on it where the incremental text rightly does not.
                .Where(s => !s.Contains('\uFFFD')).Append("\u0001never").ToList();
            var streamed = new List<string>();
            var result = TextGenerator.Generate(new ScriptedModel(script, Tokenizer.VocabularySize), Tokenizer, [Tokenizer.EndOfTextId!.Value],
                new SamplingOptions { Temperature = 0, MaxNewTokens = script.Length, StopAtEndOfText = false, StopSequences = stops }, streamed.Add);
            var (text, tokens) = Reference(script, stops);
            Assert.Equal(text, result.Text);
            Assert.Equal(tokens, result.Tokens.Count);
            Assert.Equal(result.Text, string.Concat(streamed));
        }
    }

    [Fact]
    public void Stop_tokens_end_before_the_token_and_budget_and_context_after_it()
    {
        int[] script = Tokenizer.Encode("the ship sails").ToArray();
        var stopAt = new HashSet<int> { script[1] };
        var stopped = new GenerationSequence(Tokenizer, [Tokenizer.EndOfTextId!.Value], new SamplingOptions { Temperature = 0 }, 64, stopAt);
        var model = new ScriptedModel(script, Tokenizer.VocabularySize);
        while (stopped.Step(model.Next(stopped.Context))) { }
        Assert.Equal([script[0]], stopped.Result().Tokens);
        Assert.Equal(FinishReason.Stop, stopped.Finish);

        var full = new GenerationSequence(Tokenizer, [1, 2, 3], new SamplingOptions { Temperature = 0 }, maxContext: 3);
        Assert.True(full.IsFinished); // a prompt that fills the context leaves no room
        Assert.Equal(FinishReason.Length, full.Result().Finish);
        Assert.Equal("the prompt is 4 tokens, longer than the model's context of 3.",
            Assert.Throws<Core.SharpLMException>(() => new GenerationSequence(Tokenizer, [1, 2, 3, 4], new SamplingOptions(), 3)).Message);
    }

    [Fact]
    public void An_empty_prompt_starts_a_document_on_every_path()
    {
        var sequence = new GenerationSequence(Tokenizer, [], new SamplingOptions(), 16);
        Assert.Equal([Tokenizer.EndOfTextId!.Value], sequence.Context);
    }

    [Fact]
    public void A_batch_honours_stop_tokens_stop_strings_and_constraints_as_each_sequence_would_alone()
    {
        var weights = Llama.LlamaWeights.Random(Core.Models.LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 32, layers: 2, heads: 4, maxPositions: 64), seed: 3);
        IReadOnlyList<int>[] prompts = [Tokenizer.Encode("the ship"), Tokenizer.Encode("Ahab"), Tokenizer.Encode("café")];
        SamplingOptions[] options =
        [
            new() { Temperature = 1.0, TopK = 0, MaxNewTokens = 30, Seed = 1, StopSequences = ["a"] },
            new() { Temperature = 0.7, TopK = 20, MaxNewTokens = 30, Seed = 2 },
            new() { Temperature = 1.0, TopK = 0, MaxNewTokens = 30, Seed = 3 },
        ];
        var stopTokens = new HashSet<int>(Tokenizer.Encode("e"));
        var trie = new TokenTrie(Tokenizer);
        ITokenConstraint? Constraint(int s) => s == 2 ? new TokenConstraint(trie, new SharpLM.Inference.Constraints.Regex.RegexAutomaton("[a-z ]{3,12}").Start!) : null;
        var batch = BatchGenerator.Generate(weights, 2, Tokenizer, prompts, options, stopTokens, [Constraint(0), Constraint(1), Constraint(2)]);
        for (int s = 0; s < prompts.Length; s++)
        {
            var alone = TextGenerator.Generate(new SessionLogitsSource(new Llama.LlamaSession(weights, 1)), Tokenizer, prompts[s], options[s],
                stopTokens: stopTokens, constraint: Constraint(s));
            Assert.Equal(alone.Tokens, batch[s].Tokens);
            Assert.Equal(alone.Text, batch[s].Text);
            Assert.Equal(alone.Finish, batch[s].Finish);
        }
        Assert.Matches("^[a-z ]{3,12}$", batch[2].Text);
    }
}
