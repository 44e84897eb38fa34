using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Tests;

public class BpeTrainerTests
{
    /// <summary>
    /// Worked by hand for the single word "aaabdaaabac" (no spaces, so one pre-token):
    /// pair counts aa:4 ab:2 bd:1 da:1 ba:1 ac:1 → merge (a,a)=256, word Z a b d Z a b a c;
    /// then Za:2 and ab:2 tie, ab wins (left id 97 &lt; 256) → (a,b)=257, word Z Y d Z Y a c;
    /// then ZY:2 → (aa,ab)=258; every remaining pair occurs once, below the minimum frequency 2.
    /// </summary>
    [Fact]
    public void Learns_the_merges_worked_out_by_hand()
    {
        var tokenizer = BpeTrainer.Train(["aaabdaaabac"], new BpeTrainerOptions { VocabularySize = 300, MinPairFrequency = 2 });
        Assert.Equal(new[] { ("a", "a"), ("a", "b"), ("aa", "ab") }, tokenizer.Merges);
        Assert.Equal(256, tokenizer.Vocabulary["aa"]);
        Assert.Equal(257, tokenizer.Vocabulary["ab"]);
        Assert.Equal(258, tokenizer.Vocabulary["aaab"]);
        // Special tokens take the top ids of the requested vocabulary; 259..295 get reserved tokens, so ids stay dense.
        Assert.Equal(new[] { 296, 297, 298, 299 }, SpecialTokens.Default.Select(t => tokenizer.Specials[t]));
        Assert.Equal(259, tokenizer.Specials[ReservedTokens.Name(0)]);
        Assert.Equal(295, tokenizer.Specials[ReservedTokens.Name(36)]);
        Assert.Equal(300, tokenizer.VocabularySize);
        Assert.Equal(new[] { 258, 'd', 258, 'a', 'c' }, tokenizer.Encode("aaabdaaabac"));
    }

    [Fact]
    public void Stops_at_the_requested_vocabulary_size()
    {
        var tokenizer = BpeTrainer.Train(TestCorpus.Sentences(50), new BpeTrainerOptions { VocabularySize = 300 });
        Assert.Equal(300, tokenizer.VocabularySize);
        Assert.Equal(300 - 256 - SpecialTokens.Default.Count, tokenizer.Merges.Count);
    }

    [Fact]
    public void Training_is_deterministic_despite_parallel_counting()
    {
        var corpus = TestCorpus.Sentences(200);
        var options = new BpeTrainerOptions { VocabularySize = 400 };
        var first = BpeTrainer.Train(corpus, options);
        var second = BpeTrainer.Train(corpus.AsEnumerable().Reverse(), options);
        Assert.Equal(first.Merges, second.Merges);
    }

    [Fact]
    public void Frequent_words_become_single_tokens()
    {
        var tokenizer = BpeTrainer.Train(TestCorpus.Sentences(200), new BpeTrainerOptions { VocabularySize = 500 });
        Assert.Single(tokenizer.Encode(" whale"));
        Assert.Single(tokenizer.Encode(" captain"));
    }

    [Fact]
    public void A_vocabulary_too_small_for_the_bytes_is_refused()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => BpeTrainer.Train(["x"], new BpeTrainerOptions { VocabularySize = 200 }));
        Assert.Contains("256 byte tokens", error.Message);
    }
}
