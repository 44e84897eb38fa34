using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Tests;

public class SpecialTokenMatchingTests
{
    private static readonly BpeTokenizer Trained = BpeTrainer.Train(TestCorpus.Sentences(50), new BpeTrainerOptions { VocabularySize = 300 });

    [Fact]
    public void The_leftmost_then_longest_special_token_wins()
    {
        var specials = new Dictionary<string, int> { ["<|a|>"] = 400, ["<|a|>x"] = 401, ["|>"] = 402 };
        var tokenizer = new BpeTokenizer(Trained.Vocabulary, Trained.Merges, specials, PreTokenizerPatterns.Gpt2);
        var ids = tokenizer.Encode("<|a|>x<|a|>y|>");
        Assert.Equal(401, ids[0]);
        Assert.Equal(400, ids[1]);
        Assert.Equal(402, ids[^1]);
        Assert.Equal("<|a|>x<|a|>y|>", tokenizer.Decode(ids));
        Assert.Equal(Trained.Encode("<|b|"), tokenizer.Encode("<|b|")); // a partial match is ordinary text
    }
}
