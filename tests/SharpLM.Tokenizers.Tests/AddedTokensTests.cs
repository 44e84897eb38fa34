using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Tokenizers.Tests;

/// <summary>Added tokens and special tokens that would give a file different ids, or break encoding, are refused.</summary>
public class AddedTokensTests
{
    private static readonly BpeTokenizer Trained = BpeTrainer.Train(TestCorpus.Sentences(100), new BpeTrainerOptions { VocabularySize = 300 });

    private static JsonObject WithAddedToken(string content, int id)
    {
        var json = TokenizerJson.ToJson(Trained);
        json["added_tokens"]!.AsArray().Add(new JsonObject { ["id"] = id, ["content"] = content, ["special"] = true });
        return json;
    }

    [Fact]
    public void An_added_token_whose_id_a_vocabulary_token_has_is_refused_naming_both()
    {
        var error = Assert.Throws<SharpLMException>(() => TokenizerJson.FromJson(WithAddedToken("<|tool|>", 97), "t.json"));
        Assert.Equal("t.json: field 'added_tokens[4]' gives '<|tool|>' id 97, which 'model.vocab' already gives to 'a'.", error.Message);
    }

    [Fact]
    public void An_added_token_in_the_vocabulary_under_another_id_is_refused()
    {
        var error = Assert.Throws<SharpLMException>(() => TokenizerJson.FromJson(WithAddedToken("a", 299), "t.json"));
        Assert.Contains("field 'added_tokens[4]' gives 'a' id 299, but 'model.vocab' gives it id 97", error.Message);
    }

    [Fact]
    public void An_added_token_in_the_vocabulary_under_its_own_id_loads_as_a_special_token()
    {
        string merged = Trained.IdToToken(256);
        var loaded = TokenizerJson.FromJson(WithAddedToken(merged, 256), "t.json");
        Assert.Equal(256, loaded.Specials[merged]);
        Assert.Equal(256, loaded.Vocabulary[merged]); // merges still build it
        Assert.Equal(Trained.Encode("the whale"), loaded.Encode("the whale", allowSpecial: false));
    }

    [Theory]
    [InlineData("", 300, "field 'added_tokens[4].content' is empty")]
    [InlineData("<|endoftext|>", 300, "field 'added_tokens[4]' repeats '<|endoftext|>', already added as added_tokens[0]")]
    [InlineData("<|other|>", 296, "field 'added_tokens[4]' gives '<|other|>' id 296, which added_tokens[0] already has")]
    [InlineData("<|other|>", -3, "field 'added_tokens[4].id' is -3")]
    public void Broken_added_tokens_name_the_entry(string content, int id, string expected)
    {
        var error = Assert.Throws<SharpLMException>(() => TokenizerJson.FromJson(WithAddedToken(content, id), "t.json"));
        Assert.StartsWith("t.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void An_empty_special_token_is_refused_before_training()
    {
        var error = Assert.Throws<SharpLMException>(() => BpeTrainer.Train(TestCorpus.Sentences(10),
            new BpeTrainerOptions { VocabularySize = 300, SpecialTokens = ["<|endoftext|>", ""] }));
        Assert.Equal("special token 2 of 2 is empty or only whitespace.", error.Message);
    }

    [Fact]
    public void A_special_token_sharing_an_id_with_a_vocabulary_token_is_refused()
    {
        var specials = new Dictionary<string, int> { ["<|endoftext|>"] = 256 };
        var error = Assert.Throws<SharpLMException>(() => new BpeTokenizer(Trained.Vocabulary, Trained.Merges, specials, PreTokenizerPatterns.Gpt2, "x"));
        Assert.Equal($"x: special token '<|endoftext|>' has id 256, which the vocabulary gives to '{Trained.IdToToken(256)}'.", error.Message);
    }
}
